"""REST: the BLE beacon settings, the beacons sent and heard, and the controller's state."""

from __future__ import annotations

from fastapi import APIRouter

from actkit_proto.ble import (
    GetAdapterState,
    GetBeaconSettings,
    ListBroadcasts,
    ListReceivedBeacons,
    SetBeaconSettings,
)
from actkit_web.api.commands import expose

router = APIRouter(prefix="/api/v1/ble", tags=["ble"])

get_settings = expose(router, "GET", "/settings", GetBeaconSettings)
set_settings = expose(router, "PUT", "/settings", SetBeaconSettings)
get_adapter = expose(router, "GET", "/adapter", GetAdapterState)
list_broadcasts = expose(router, "GET", "/broadcasts", ListBroadcasts)
list_received = expose(router, "GET", "/beacons", ListReceivedBeacons)
