import time
from datetime import UTC, datetime, timedelta

from actkit_core.clock import Clock, SystemClock
from actkit_core.testing.clock import START, FakeClock


def test_the_system_clock_tells_utc_wall_time_and_monotonic_seconds() -> None:
    clock: Clock = SystemClock()
    before = datetime.now(UTC)
    assert before <= clock.now() <= datetime.now(UTC)
    assert clock.now().tzinfo is UTC
    assert time.monotonic() <= clock.monotonic() <= time.monotonic()


def test_the_fake_clock_stands_still_until_advanced_and_moves_both_clocks() -> None:
    clock: Clock = FakeClock()
    assert (clock.now(), clock.monotonic()) == (START, 1000.0)
    assert isinstance(clock, FakeClock)
    clock.advance(1.5)
    clock.advance(minutes=2, days=1)
    assert clock.now() == START + timedelta(days=1, minutes=2, seconds=1.5)
    assert clock.monotonic() == 1000.0 + 86_400 + 120 + 1.5


def test_the_fake_clock_starts_where_a_test_says() -> None:
    clock = FakeClock(datetime(2030, 1, 1, tzinfo=UTC), monotonic_s=5)
    assert (clock.now().year, clock.monotonic()) == (2030, 5)


def test_setting_the_fake_wall_clock_leaves_the_monotonic_clock_alone() -> None:
    clock = FakeClock()
    clock.set(datetime(2020, 2, 29, tzinfo=UTC))
    assert (clock.now(), clock.monotonic()) == (datetime(2020, 2, 29, tzinfo=UTC), 1000.0)


def test_many_small_steps_of_the_fake_clock_add_up_exactly() -> None:
    clock = FakeClock()
    for _ in range(1000):
        clock.advance(0.001)
    assert clock.monotonic() == 1001.0
