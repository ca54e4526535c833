"""System > BLE beacons: the beacons the device sends and those it reacts to."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from actkit_proto.ble import SetBeaconSettings
from actkit_web.api import ble
from actkit_web.http.deps import ActingBus
from actkit_web.pages.settings_page import SettingsForm, SettingsPage, page_router, status_or_none


async def _beside(bus: ActingBus, _request: Request) -> dict[str, Any]:
    return {
        "adapter": await status_or_none(ble.get_adapter(bus=bus)),
        "broadcasts": await status_or_none(ble.list_broadcasts(bus=bus)),
        "received": await status_or_none(ble.list_received(bus=bus)),
    }


PAGE = SettingsPage(
    "/system/ble",
    "BLE beacons",
    "The beacons the device sends and which camera systems' beacons it reacts to.",
    (SettingsForm("ble", "Beacon settings", ble.get_settings, SetBeaconSettings),),
    "settings_ble.html",
    _beside,
)
router = page_router(PAGE)
