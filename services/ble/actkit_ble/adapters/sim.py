"""The simulated radio: what this device sends is heard by its own receiver, beacons injected."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

from actkit_ble.ports import RadioFull, RadioState, Sighting

SIM_ADDRESS = "00:00:5E:00:53:01"


class SimRadio:
    """An in-memory controller that hears its own advertisements, as a camera nearby would.

    While scanning, each advertisement is heard when it changes and again every
    ``repeat_s``, so a watched beacon stays present while it is sent.

    >>> import asyncio
    >>> radio = SimRadio()
    >>> asyncio.run(radio.advertise(7, 0xFFFF, b"payload!"))
    >>> radio.advertisements
    {7: (65535, b'payload!')}
    """

    def __init__(
        self,
        repeat_s: float = 1.0,
        supported_instances: int = 4,
    ) -> None:
        self.advertisements: dict[int, tuple[int, bytes]] = {}
        self.repeat_s = repeat_s
        self._limit = supported_instances
        self._state = RadioState(
            is_present=True,
            is_powered=True,
            supported_instances=supported_instances,
            address=SIM_ADDRESS,
        )
        self._heard: asyncio.Queue[Sighting] = asyncio.Queue()
        self._changes: asyncio.Queue[RadioState] = asyncio.Queue()

    async def advertise(self, key: int, company_id: int, payload: bytes) -> None:
        """Send (or change) an advertisement; heard at once by a scanning receiver."""
        if key not in self.advertisements and len(self.advertisements) >= self._limit:
            raise RadioFull(f"the simulated controller sends at most {self._limit} advertisements")
        self.advertisements[key] = (company_id, payload)
        self._count()
        if self._state.is_discovering:
            self.hear(company_id, payload, -40)

    async def withdraw(self, key: int) -> None:
        """Stop sending an advertisement."""
        if self.advertisements.pop(key, None) is not None:
            self._count()

    async def scan(self, is_on: bool) -> None:
        """Start or stop hearing advertisements."""
        self._set(is_discovering=is_on)

    def hear(self, company_id: int, payload: bytes, rssi_dbm: int | None) -> None:
        """Make the radio hear an advertisement (only while scanning, as a real one)."""
        if self._state.is_discovering:
            self._heard.put_nowait(Sighting({company_id: payload}, rssi_dbm))

    async def sightings(self) -> AsyncIterator[Sighting]:
        """Heard advertisements; this device's own ones again every ``repeat_s``."""
        while True:
            try:
                async with asyncio.timeout(self.repeat_s):
                    sighting = await self._heard.get()
            except TimeoutError:
                if self._state.is_discovering:
                    for company_id, payload in list(self.advertisements.values()):
                        yield Sighting({company_id: payload}, -40)
            else:
                yield sighting

    async def states(self) -> AsyncIterator[RadioState]:
        """The current state, then each change."""
        yield self._state
        while True:
            yield await self._changes.get()

    def _count(self) -> None:
        count = len(self.advertisements)
        self._set(advertising_instances=count, supported_instances=self._limit - count)

    def _set(self, **changes: object) -> None:
        state = replace(self._state, **changes)  # type: ignore[arg-type]
        if state != self._state:
            self._state = state
            self._changes.put_nowait(state)
