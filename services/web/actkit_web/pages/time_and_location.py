"""System > Time and location: the clock's settings, the device's location, a clock set by hand."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from starlette.responses import Response

from actkit_proto.system import SetDateTime, SetLocation, SetTimeSettings, SyncMode
from actkit_web.api import system
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep
from actkit_web.pages.settings_page import (
    SettingsForm,
    SettingsPage,
    act,
    page_router,
    status_or_none,
)


async def _beside(bus: ActingBus, _request: Request) -> dict[str, Any]:
    time_status = await status_or_none(system.get_time_status(bus=bus))
    return {
        "time_status": time_status,
        "is_custom": time_status is not None and time_status.sync_mode is SyncMode.CUSTOM,
    }


PAGE = SettingsPage(
    "/system/time",
    "Time and location",
    "We recommend you synchronize the device's date and time with an NTP server. The "
    "system uses the date and time settings in all logs and system settings.",
    (
        SettingsForm("time", "Date and time", system.get_time, SetTimeSettings),
        SettingsForm(
            "location",
            "Device location",
            system.get_location,
            SetLocation,
            "Enter where the device is located. Your video management system can use this "
            "information to place the device on a map.",
        ),
    ),
    "settings_time.html",
    _beside,
)
router = page_router(PAGE)


@router.post("/system/time/clock")
async def set_clock(
    request: Request, caller: CallerDep, bus: ActingBusDep, at: Annotated[str, Form()] = ""
) -> Response:
    """Custom date and time: typed as the device's local time, or the browser's clock in UTC.

    Sent as typed: system reads a time without a UTC offset in the device's time zone.
    """
    return await act(request, caller, bus, PAGE, "clock", SetDateTime, at=at)
