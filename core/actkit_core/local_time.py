"""The device's one clock: every service takes the device's time zone as its local time.

The system service tells the zone in force (``system.time.zone.changed``, kept in the state
bucket). :func:`follow_device_zone` reads it at start and follows it, setting the process's
``TZ``, so that ``time.localtime()`` and ``datetime.now().astimezone()`` agree in every service.
"""

from __future__ import annotations

import logging
import os
import time
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import available_timezones

from actkit_proto.errors import BusError
from actkit_proto.system import TimeZoneChanged

if TYPE_CHECKING:
    from actkit_core.bus import Bus

log = logging.getLogger(__name__)


@cache
def known_zones() -> frozenset[str]:
    """Every time zone this system's database has, read once.

    Reading it walks the whole database (hundreds of files): ``actkit run``'s preload reads it
    before the fork, so that no service does at its start.
    """
    return frozenset(available_timezones())


def adopt_zone(time_zone: str) -> bool:
    """Make ``time_zone`` this process's local time; ``False`` (and unchanged) when unknown."""
    if time_zone not in known_zones():
        log.warning("the device's time zone %r is unknown here; local time stays", time_zone)
        return False
    if os.environ.get("TZ") != time_zone:
        os.environ["TZ"] = time_zone
        time.tzset()
        log.info("local time is now %s", time_zone)
    return True


def local_zone() -> str | None:
    """The zone adopted with :func:`adopt_zone`, if one was."""
    return os.environ.get("TZ")


async def follow_device_zone(bus: Bus) -> None:
    """Adopt the zone the system service last told, then each one it tells.

    Subscribed before the read, so that a change told in between is not missed.
    """

    async def adopt(event: TimeZoneChanged) -> None:
        adopt_zone(event.time_zone)

    await bus.subscribe(TimeZoneChanged, adopt)
    try:
        kept = await bus.current(TimeZoneChanged)
    except BusError as exc:
        log.warning("could not read the device's time zone, local time stays: %s", exc.message)
        return
    for event in kept:
        adopt_zone(event.time_zone)
