"""System > WLAN: the wireless network to join, and the networks in range."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from actkit_proto.errors import BusError
from actkit_proto.network import SetWlan
from actkit_web.api import wlan
from actkit_web.http.deps import ActingBus
from actkit_web.pages.certificates import eap_options
from actkit_web.pages.settings_page import SettingsForm, SettingsPage, page_router


async def _beside(bus: ActingBus, _request: Request) -> dict[str, Any]:
    try:
        return {"scan": await wlan.scan_wlan(bus=bus), "scan_error": ""}
    except BusError as exc:
        return {"scan": None, "scan_error": exc.message}


PAGE = SettingsPage(
    "/system/wlan",
    "WLAN",
    "The device switches to the wireless connection when you disconnect the ethernet cable.",
    (
        SettingsForm(
            "wlan",
            "Configure custom network",
            wlan.get_wlan,
            SetWlan,
            "Add a wireless network, also one that doesn't broadcast its SSID (name). "
            "Contact your network administrator to get the required settings.",
            eap_options,
        ),
    ),
    "settings_wlan.html",
    _beside,
)
router = page_router(PAGE)
