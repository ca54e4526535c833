"""REST: settings the system service owns: date and time, device location, power."""

from __future__ import annotations

from fastapi import APIRouter

from actkit_core.bus import Publisher
from actkit_proto.system import (
    GetLocation,
    GetPowerSettings,
    GetTimeSettings,
    GetTimeStatus,
    SetDateTime,
    SetLocation,
    SetPowerSettings,
    SetTimeSettings,
    ShutdownCountdownChanged,
    ShutdownState,
)
from actkit_web.api.commands import expose
from actkit_web.http.deps import BusDep, CallerDep

router = APIRouter(prefix="/api/v1/system", tags=["system"])

get_time = expose(router, "GET", "/time", GetTimeSettings)
set_time = expose(router, "PUT", "/time", SetTimeSettings)
get_time_status = expose(router, "GET", "/time/status", GetTimeStatus)
set_clock = expose(router, "PUT", "/time/clock", SetDateTime)
get_location = expose(router, "GET", "/location", GetLocation)
set_location = expose(router, "PUT", "/location", SetLocation)
get_power = expose(router, "GET", "/power", GetPowerSettings)
set_power = expose(router, "PUT", "/power", SetPowerSettings)


@router.get("/power/countdown")
async def get_countdown(_caller: CallerDep, bus: BusDep) -> ShutdownCountdownChanged:
    """Where delayed shutdown stands: off, arming, idle, or counting down to ``shutdown_at``."""
    return await current_countdown(bus)


async def current_countdown(bus: Publisher) -> ShutdownCountdownChanged:
    """The last countdown state the system service published; off if it has published none."""
    current = await bus.current(ShutdownCountdownChanged)
    return current[0] if current else ShutdownCountdownChanged(state=ShutdownState.OFF)
