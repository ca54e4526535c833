"""Simulated clock synchronisation and power: the default for ``make run`` and tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from actkit_proto.system import SyncMode, TimeSettings
from actkit_system.ports import SyncStatus

DHCP_NTP_SERVER = "ntp.dhcp.sim"
"""The NTP server the simulated DHCP server gives."""


class SimTimeKeeper:
    """A clock that follows the host's (or a test's) clock, shifted when set by hand.

    >>> import asyncio
    >>> keeper = SimTimeKeeper()
    >>> asyncio.run(keeper.apply(TimeSettings(), "UTC"))
    >>> asyncio.run(keeper.status()).server
    'ntp.dhcp.sim'
    """

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._clock = clock
        self.shift = timedelta()
        self.settings = TimeSettings()
        self.time_zone = "UTC"

    def now(self) -> datetime:
        return self._clock() + self.shift

    async def apply(self, settings: TimeSettings, time_zone: str) -> None:
        self.settings = settings
        self.time_zone = time_zone
        if settings.sync_mode is not SyncMode.CUSTOM:
            self.shift = timedelta()

    async def status(self) -> SyncStatus:
        servers = {
            SyncMode.NTS_KE: self.settings.nts_ke_servers,
            SyncMode.NTP_MANUAL: self.settings.ntp_servers,
            SyncMode.NTP_DHCP: [DHCP_NTP_SERVER, *self.settings.fallback_ntp_servers],
            SyncMode.CUSTOM: [],
        }[self.settings.sync_mode]
        if not servers:
            return SyncStatus(is_synchronized=False)
        return SyncStatus(
            is_synchronized=True,
            server=servers[0],
            offset_s=0.0004,
            next_sync_s=float(self.settings.min_poll_s),
        )

    async def set_clock(self, at: datetime) -> None:
        self.shift = at - self._clock()


class SimPower:
    """Records shutdowns and restarts instead of doing them."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []

    async def shutdown(self, reason: str) -> None:
        self.requests.append(("shutdown", reason))

    async def restart(self, reason: str) -> None:
        self.requests.append(("restart", reason))
