"""The host's own time zone on the board: systemd-timedated over D-Bus, or ``/etc/localtime``.

The services take the zone from the system service over the bus; the host takes it here, so that
what runs outside actkit (the shell, journald, cron) keeps the same clock as the device's pages.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Protocol

from dbus_fast import BusType, Message, MessageType
from dbus_fast.aio import MessageBus
from dbus_fast.errors import DBusFastError

from actkit_proto import Unavailable

TIMEDATED = "org.freedesktop.timedate1"
TIMEDATED_PATH = "/org/freedesktop/timedate1"


class HostZone(Protocol):
    """Puts a time zone in force on the host."""

    async def apply(self, time_zone: str) -> None:
        """Make ``time_zone`` (an IANA name) the host's zone.

        Raises:
            Unavailable: the host could not be changed; the message says why.
        """


class TimedatedZone:
    """Asks systemd-timedated (``SetTimezone``), which links ``/etc/localtime`` and tells others.

    The bus is joined for each change only: changes are rare.
    """

    def __init__(self, bus_address: str | None = None, timeout_s: float = 5.0) -> None:
        self._address = bus_address
        self._timeout_s = timeout_s

    async def apply(self, time_zone: str) -> None:
        try:
            bus = await asyncio.wait_for(
                MessageBus(bus_address=self._address, bus_type=BusType.SYSTEM).connect(),
                self._timeout_s,
            )
        except (DBusFastError, OSError, TimeoutError, EOFError) as exc:
            raise Unavailable(f"cannot reach timedated on the system bus: {exc}") from exc
        try:
            reply = await asyncio.wait_for(
                bus.call(
                    Message(
                        destination=TIMEDATED,
                        path=TIMEDATED_PATH,
                        interface=TIMEDATED,
                        member="SetTimezone",
                        signature="sb",
                        # Not interactive: nobody is there to answer a polkit prompt.
                        body=[time_zone, False],
                    )
                ),
                self._timeout_s,
            )
        except (DBusFastError, OSError, TimeoutError, EOFError) as exc:
            raise Unavailable(f"timedated did not take the time zone {time_zone}: {exc}") from exc
        finally:
            bus.disconnect()
        if reply is None or reply.message_type is MessageType.ERROR:
            why = reply.body[0] if reply is not None and reply.body else "no reply"
            raise Unavailable(f"timedated refused the time zone {time_zone}: {why}")


class LocaltimeZone:
    """Links ``/etc/localtime`` to the zone's file, as timedated would, on a host without it."""

    def __init__(self, localtime: Path, zoneinfo_dir: Path) -> None:
        self.localtime = localtime
        self.zoneinfo_dir = zoneinfo_dir

    async def apply(self, time_zone: str) -> None:
        target = self.zoneinfo_dir / time_zone
        if not target.is_file():
            raise Unavailable(f"the host has no zone file {target} for {time_zone}")
        try:
            # Linked beside and renamed over, so no program ever finds /etc/localtime missing.
            folder = self.localtime.parent
            with tempfile.TemporaryDirectory(dir=folder) as scratch:
                link = Path(scratch) / "localtime"
                link.symlink_to(os.path.relpath(target, folder))
                link.replace(self.localtime)
        except OSError as exc:
            raise Unavailable(f"cannot link {self.localtime} to {target}: {exc}") from exc
