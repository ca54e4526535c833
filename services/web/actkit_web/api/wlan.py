"""REST: the wireless network to join, and the networks in range."""

from __future__ import annotations

from fastapi import APIRouter

from actkit_proto.network import GetWlan, ScanWlan, SetWlan
from actkit_web.api.commands import expose

router = APIRouter(prefix="/api/v1/network/wlan", tags=["wlan"])

get_wlan = expose(router, "GET", "", GetWlan)
set_wlan = expose(router, "PUT", "", SetWlan)
scan_wlan = expose(router, "POST", "/scan", ScanWlan)
