import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from actkit_core.local_time import adopt_zone, follow_device_zone, local_zone
from actkit_proto.errors import Unavailable
from actkit_proto.system import TimeZoneChanged


class _Bus:
    """Just what following the zone uses of a bus: a subscription and the kept state."""

    def __init__(self, kept: list[TimeZoneChanged] | Exception) -> None:
        self.kept = kept
        self.callbacks: list[Callable[[TimeZoneChanged], Awaitable[None]]] = []

    async def subscribe(self, _type: type[TimeZoneChanged], callback: Any) -> None:
        self.callbacks.append(callback)

    async def current(self, _type: type[TimeZoneChanged]) -> list[TimeZoneChanged]:
        if isinstance(self.kept, Exception):
            raise self.kept
        return self.kept


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")  # put back after each test


async def test_the_kept_zone_is_adopted_then_each_one_told() -> None:
    bus = _Bus([TimeZoneChanged(time_zone="Asia/Tokyo")])
    await follow_device_zone(bus)  # type: ignore[arg-type]
    assert (local_zone(), time.localtime(0).tm_hour) == ("Asia/Tokyo", 9)
    await bus.callbacks[0](TimeZoneChanged(time_zone="Asia/Tokyo"))  # the same: nothing to do
    await bus.callbacks[0](TimeZoneChanged(time_zone="Europe/Stockholm"))
    assert time.localtime(0).tm_hour == 1


async def test_an_unknown_zone_or_an_unreadable_bucket_leaves_local_time_as_it_is(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert not adopt_zone("Nowhere/Land")
    await follow_device_zone(_Bus(Unavailable("nats-server is restarting")))  # type: ignore[arg-type]
    assert local_zone() == "UTC"
    assert "could not read the device's time zone" in caplog.text
