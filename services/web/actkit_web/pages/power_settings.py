"""System > Power settings: delayed shutdown, and where its countdown stands."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from actkit_proto.system import SetPowerSettings
from actkit_web.api import system
from actkit_web.http.deps import ActingBus
from actkit_web.pages.settings_page import SettingsForm, SettingsPage, page_router


async def _beside(_bus: ActingBus, request: Request) -> dict[str, Any]:
    return {"countdown": await system.current_countdown(request.app.state.bus)}


PAGE = SettingsPage(
    "/system/power",
    "Power settings",
    "If the device has been without power before it is turned on, a delay occurs before "
    "Delayed shutdown is activated.",
    (SettingsForm("power", "Delayed shutdown", system.get_power, SetPowerSettings),),
    "settings_power.html",
    _beside,
)
router = page_router(PAGE)
