"""The device's time zone, in which schedules without a zone of their own run."""

from __future__ import annotations

import logging

from actkit_events.domain.schedules import is_known_zone
from actkit_events.handlers.deps import Deps
from actkit_proto import BusError
from actkit_proto.system import TimeZoneChanged

log = logging.getLogger(__name__)


async def follow_time_zone(event: TimeZoneChanged, deps: Deps) -> None:
    """Plan in the device's zone from now on; the timetable is gone through again at once."""
    if not is_known_zone(event.time_zone):
        log.warning(
            "the device's time zone %r is unknown here; schedules without a zone of their own "
            "stay in %s",
            event.time_zone,
            deps.timetable.time_zone,
        )
        return
    if event.time_zone != deps.timetable.time_zone:
        log.info("schedules without a zone of their own now run in %s", event.time_zone)
        deps.timetable.time_zone = event.time_zone
        deps.timetable.changed.set()


async def read_time_zone(deps: Deps) -> None:
    """Take the zone the system service last told (kept in the state bucket), if it told one."""
    try:
        kept = await deps.bus.current(TimeZoneChanged)
    except BusError as exc:
        zone = deps.timetable.time_zone
        log.warning("could not read the device's time zone, planning in %s: %s", zone, exc.message)
        return
    for event in kept:
        await follow_time_zone(event, deps)
