"""Weekly schedules (time-zone aware) and pulses, and rules that use them, on an injected clock."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_events.domain.schedules import is_weekly_active, next_pulse, next_weekly_change
from actkit_events.handlers import Deps
from actkit_events.handlers.schedules import tick
from actkit_proto import Conflict, Invalid, NotFound
from actkit_proto.events import (
    CreateRule,
    CreateSchedule,
    DeleteSchedule,
    GetSchedule,
    HoldIoAction,
    ListSchedules,
    PulseCondition,
    PulseIoAction,
    PulseSchedule,
    RuleSpec,
    ScheduleCondition,
    TimeRange,
    WeeklySchedule,
)
from actkit_proto.io import HoldPort, PulsePort, ReleasePort

STOCKHOLM = ZoneInfo("Europe/Stockholm")
OFFICE = WeeklySchedule(
    name="Office hours",
    time_zone="Europe/Stockholm",
    ranges=[TimeRange(days=["mon", "tue", "wed", "thu", "fri"], start="08:00", end="17:00")],
)
NIGHT = WeeklySchedule(
    name="Night", time_zone="UTC", ranges=[TimeRange(days=["sat"], start="22:00", end="06:00")]
)


@pytest.mark.parametrize(
    ("schedule", "local", "expected"),
    [
        (OFFICE, datetime(2026, 11, 23, 8, 0, tzinfo=STOCKHOLM), True),  # Monday, at the start
        (OFFICE, datetime(2026, 11, 23, 7, 59, tzinfo=STOCKHOLM), False),
        (OFFICE, datetime(2026, 11, 23, 17, 0, tzinfo=STOCKHOLM), False),  # the end is exclusive
        (OFFICE, datetime(2026, 11, 28, 12, 0, tzinfo=STOCKHOLM), False),  # Saturday
        (OFFICE, datetime(2026, 3, 30, 8, 30, tzinfo=STOCKHOLM), True),  # the day after DST starts
        (NIGHT, datetime(2026, 11, 29, 3, 0, tzinfo=UTC), True),  # Saturday night into Sunday
        (NIGHT, datetime(2026, 11, 29, 6, 0, tzinfo=UTC), False),
    ],
)
def test_weekly_schedule_activity(
    schedule: WeeklySchedule, local: datetime, expected: bool
) -> None:
    assert is_weekly_active(schedule, local.astimezone(UTC), "Asia/Tokyo") is expected


def test_office_hours_follow_stockholm_wall_clock_across_daylight_saving() -> None:
    winter = next_weekly_change(OFFICE, datetime(2026, 1, 12, 6, 0, tzinfo=UTC), "UTC")
    summer = next_weekly_change(OFFICE, datetime(2026, 6, 15, 5, 0, tzinfo=UTC), "UTC")
    assert winter.astimezone(UTC) == datetime(2026, 1, 12, 7, 0, tzinfo=UTC)
    assert summer.astimezone(UTC) == datetime(2026, 6, 15, 6, 0, tzinfo=UTC)


def test_pulse_ticks_every_interval_from_its_start() -> None:
    pulse = PulseSchedule(name="p", interval_s=90, start_at=datetime(2026, 1, 1, tzinfo=UTC))
    now = datetime(2026, 1, 1, 0, 4, tzinfo=UTC)
    assert next_pulse(pulse, now, now) == datetime(2026, 1, 1, 0, 4, 30, tzinfo=UTC)
    years_later = datetime(2030, 1, 1, tzinfo=UTC)
    assert (next_pulse(pulse, now, years_later) - years_later) <= timedelta(seconds=90)


async def test_a_schedule_rule_holds_the_output_inside_office_hours(
    deps: Deps, fake_bus: FakeBus, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))  # Monday 07:00 in Stockholm
    schedule = await fake_bus.request(CreateSchedule(schedule=OFFICE))
    await fake_bus.request(
        CreateRule(
            rule=RuleSpec(
                name="lights",
                conditions=[ScheduleCondition(schedule_id=schedule.schedule_id)],
                action=HoldIoAction(port_id=9),
            )
        )
    )
    wake = await tick(deps, clock.now())
    assert wake == clock.now() + timedelta(minutes=1)  # idle wake-ups survive clock jumps
    clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=STOCKHOLM))
    await tick(deps, clock.now())
    clock.set(datetime(2026, 11, 23, 16, 0, tzinfo=UTC))
    await tick(deps, clock.now())
    sent = [c for c in fake_bus.sent if isinstance(c, HoldPort | ReleasePort)]
    assert [type(c).__name__ for c in sent] == ["HoldPort", "ReleasePort"]
    [listed] = (await fake_bus.request(ListSchedules())).schedules
    assert not listed.is_active
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=STOCKHOLM))
    assert (await fake_bus.request(GetSchedule(schedule_id=schedule.schedule_id))).is_active
    with pytest.raises(NotFound, match="there is no schedule 99"):
        await fake_bus.request(GetSchedule(schedule_id=99))


async def test_a_pulse_rule_fires_once_per_tick(
    deps: Deps, fake_bus: FakeBus, clock: FakeClock
) -> None:
    pulse = await fake_bus.request(
        CreateSchedule(
            schedule=PulseSchedule(name="every minute", interval_s=60, start_at=clock.now())
        )
    )
    await fake_bus.request(
        CreateRule(
            rule=RuleSpec(
                name="blink",
                conditions=[PulseCondition(schedule_id=pulse.schedule_id)],
                action=PulseIoAction(port_id=9, duration_ms=100),
            )
        )
    )
    start = clock.now()
    for _ in range(3):  # ticks at the start, +60 s and +120 s
        clock.set(await tick(deps, clock.now()))
    clock.advance(30)
    await tick(deps, clock.now())  # +210 s: the +180 s tick was due
    await tick(deps, clock.now())  # the same moment again: nothing new is due
    assert clock.now() - start == timedelta(seconds=210)
    assert len([c for c in fake_bus.sent if isinstance(c, PulsePort)]) == 4
    with pytest.raises(Conflict, match="used by rule 1"):
        await fake_bus.request(DeleteSchedule(schedule_id=pulse.schedule_id))


async def test_bad_schedules_are_refused(deps: Deps, fake_bus: FakeBus) -> None:
    with pytest.raises(Invalid, match="not a known IANA time zone"):
        await fake_bus.request(
            CreateSchedule(schedule=OFFICE.model_copy(update={"time_zone": "Mars/Olympus"}))
        )
    with pytest.raises(Invalid, match="start_at needs a time zone"):
        await fake_bus.request(
            CreateSchedule(
                schedule=PulseSchedule(name="p", interval_s=5, start_at=datetime(2026, 1, 1))
            )
        )
    with pytest.raises(Invalid, match="there is no weekly schedule 7"):
        await fake_bus.request(
            CreateRule(
                rule=RuleSpec(
                    name="x",
                    conditions=[ScheduleCondition(schedule_id=7)],
                    action=HoldIoAction(port_id=9),
                )
            )
        )


async def test_a_used_schedule_cannot_turn_into_a_pulse_but_can_change_its_hours(
    deps: Deps, fake_bus: FakeBus
) -> None:
    from actkit_proto.events import UpdateSchedule

    schedule = await fake_bus.request(CreateSchedule(schedule=OFFICE))
    await fake_bus.request(
        CreateRule(
            rule=RuleSpec(
                name="s",
                conditions=[ScheduleCondition(schedule_id=schedule.schedule_id)],
                action=HoldIoAction(port_id=9),
            )
        )
    )
    with pytest.raises(Conflict, match="cannot become a pulse"):
        await fake_bus.request(
            UpdateSchedule(
                schedule_id=schedule.schedule_id,
                schedule=PulseSchedule(name="p", interval_s=5),
            )
        )
    later = OFFICE.model_copy(
        update={"ranges": [TimeRange(days=["sat"], start="10:00", end="12:00")]}
    )
    updated = await fake_bus.request(
        UpdateSchedule(schedule_id=schedule.schedule_id, schedule=later)
    )
    assert updated.schedule == later
