"""A schedule without a zone of its own runs in the device's time zone, and follows its changes."""

import logging
from datetime import UTC, datetime

import pytest

from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_events.handlers import Deps
from actkit_events.handlers.schedules import tick
from actkit_events.handlers.time_zone import follow_time_zone
from actkit_proto.events import (
    CreateRule,
    CreateSchedule,
    GetSchedule,
    HoldIoAction,
    RuleSpec,
    ScheduleCondition,
    TimeRange,
    WeeklySchedule,
)
from actkit_proto.io import HoldPort, ReleasePort
from actkit_proto.system import TimeZoneChanged

from ..conftest import StartEvents

MORNING = WeeklySchedule(
    name="Morning shift", ranges=[TimeRange(days=["mon"], start="08:00", end="09:00")]
)
"""No zone of its own: the device's."""
MONDAY_0730_UTC = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
"""08:30 in Stockholm (UTC+1 in November): inside the range there, outside it in UTC."""


def _outputs(fake_bus: FakeBus) -> list[str]:
    return [type(c).__name__ for c in fake_bus.sent if isinstance(c, HoldPort | ReleasePort)]


def test_a_schedule_has_no_zone_of_its_own_unless_one_is_given() -> None:
    assert MORNING.time_zone is None


async def test_a_schedule_without_a_zone_follows_the_device_zone_and_its_changes(
    deps: Deps, fake_bus: FakeBus, clock: FakeClock
) -> None:
    clock.set(MONDAY_0730_UTC)
    schedule = await fake_bus.request(CreateSchedule(schedule=MORNING))
    assert not schedule.is_active  # the device is in UTC so far: 07:30 is before the shift
    await fake_bus.request(
        CreateRule(
            rule=RuleSpec(
                name="shift light",
                conditions=[ScheduleCondition(schedule_id=schedule.schedule_id)],
                action=HoldIoAction(port_id=9),
            )
        )
    )
    await tick(deps, clock.now())
    assert _outputs(fake_bus) == []

    deps.timetable.changed.clear()
    await follow_time_zone(TimeZoneChanged(time_zone="Europe/Stockholm"), deps)
    assert deps.timetable.changed.is_set()  # the timetable is gone through again at once
    await tick(deps, clock.now())
    assert (await fake_bus.request(GetSchedule(schedule_id=schedule.schedule_id))).is_active
    assert _outputs(fake_bus) == ["HoldPort"]

    await follow_time_zone(TimeZoneChanged(time_zone="America/New_York"), deps)
    await tick(deps, clock.now())  # 02:30 in New York
    assert not (await fake_bus.request(GetSchedule(schedule_id=schedule.schedule_id))).is_active
    assert _outputs(fake_bus) == ["HoldPort", "ReleasePort"]


async def test_a_schedule_with_its_own_zone_keeps_it(
    deps: Deps, fake_bus: FakeBus, clock: FakeClock
) -> None:
    clock.set(MONDAY_0730_UTC)
    own = MORNING.model_copy(update={"time_zone": "UTC"})
    schedule = await fake_bus.request(CreateSchedule(schedule=own))
    await follow_time_zone(TimeZoneChanged(time_zone="Europe/Stockholm"), deps)
    assert not (await fake_bus.request(GetSchedule(schedule_id=schedule.schedule_id))).is_active


async def test_the_zone_the_system_service_told_last_is_taken_at_start(
    start_events: StartEvents, fake_bus: FakeBus, clock: FakeClock, io_answers: FakeBus
) -> None:
    clock.set(MONDAY_0730_UTC)
    await fake_bus.publish(TimeZoneChanged(time_zone="Europe/Stockholm"))  # kept in the bucket
    async with start_events() as deps:
        assert deps.timetable.time_zone == "Europe/Stockholm"
        schedule = await fake_bus.request(CreateSchedule(schedule=MORNING))
        assert schedule.is_active


async def test_a_zone_unknown_here_is_said_and_the_last_one_kept(
    deps: Deps, caplog: pytest.LogCaptureFixture
) -> None:
    await follow_time_zone(TimeZoneChanged(time_zone="Asia/Tokyo"), deps)
    with caplog.at_level(logging.WARNING):
        await follow_time_zone(TimeZoneChanged(time_zone="Mars/Olympus_Mons"), deps)
    assert deps.timetable.time_zone == "Asia/Tokyo"
    assert "'Mars/Olympus_Mons' is unknown here; schedules without a zone" in caplog.text
