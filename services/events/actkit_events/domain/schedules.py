"""Weekly schedules and pulses: whether a schedule is active and when it next changes.

Recurrence comes from ``dateutil.rrule`` in the schedule's time zone, so a range keeps its
wall-clock times across daylight-saving changes. A schedule without a zone of its own is in the
device's zone (System > Time), whichever it is at the moment.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import FR, MO, SA, SECONDLY, SU, TH, TU, WE, WEEKLY, rrule, weekday

from actkit_proto.errors import Invalid
from actkit_proto.events import PulseSchedule, ScheduleSpec, TimeRange, WeeklySchedule

_DAYS: dict[str, weekday] = {
    "mon": MO,
    "tue": TU,
    "wed": WE,
    "thu": TH,
    "fri": FR,
    "sat": SA,
    "sun": SU,
}


def validate_schedule(spec: ScheduleSpec) -> None:
    """Refuse an unknown time zone or a naive pulse start.

    Raises:
        Invalid: with the field to fix.
    """
    if isinstance(spec, WeeklySchedule):
        if spec.time_zone is not None:
            _zone(spec.time_zone)
    elif spec.start_at is not None and spec.start_at.tzinfo is None:
        raise Invalid("start_at needs a time zone, e.g. 2026-01-01T08:00:00+01:00")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            f"time_zone {name!r} is not a known IANA time zone, e.g. Europe/Stockholm"
        ) from None


def is_known_zone(name: str) -> bool:
    """Whether ``name`` is a time zone this service can plan in."""
    try:
        _zone(name)
    except Invalid:
        return False
    return True


def _schedule_zone(schedule: WeeklySchedule, device_zone: str) -> ZoneInfo:
    return _zone(schedule.time_zone or device_zone)


def _length(time_range: TimeRange) -> timedelta:
    start = _minutes(time_range.start)
    end = _minutes(time_range.end)
    return timedelta(minutes=(end - start) % (24 * 60) or 24 * 60)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _starts(time_range: TimeRange, zone: ZoneInfo, around: datetime) -> rrule:
    hours, minutes = divmod(_minutes(time_range.start), 60)
    anchor = (around.astimezone(zone) - timedelta(days=8)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return rrule(
        WEEKLY,
        dtstart=anchor,
        byweekday=[_DAYS[day] for day in time_range.days],
        byhour=hours,
        byminute=minutes,
        bysecond=0,
    )


def is_weekly_active(schedule: WeeklySchedule, now: datetime, device_zone: str) -> bool:
    """Whether ``now`` (aware) falls inside one of the schedule's ranges."""
    zone = _schedule_zone(schedule, device_zone)
    for time_range in schedule.ranges:
        last = _starts(time_range, zone, now).before(now, inc=True)
        if last is not None and now < last + _length(time_range):
            return True
    return False


def next_weekly_change(schedule: WeeklySchedule, now: datetime, device_zone: str) -> datetime:
    """The next moment after ``now`` at which a range starts or ends."""
    zone = _schedule_zone(schedule, device_zone)
    moments: list[datetime] = []
    for time_range in schedule.ranges:
        starts = _starts(time_range, zone, now)
        last = starts.before(now, inc=True)
        if last is not None and now < last + _length(time_range):
            moments.append(last + _length(time_range))
        upcoming = starts.after(now)
        if upcoming is not None:
            moments.append(upcoming)
    return min(moments)


def next_pulse(pulse: PulseSchedule, origin: datetime, now: datetime) -> datetime:
    """The first tick after ``now``; ``origin`` stands in for an empty ``start_at``."""
    start = pulse.start_at or origin
    if now < start:
        return start
    # Re-anchor at the last tick so rrule does not walk from a start years ago.
    elapsed = int((now - start).total_seconds()) // pulse.interval_s
    anchor = start + timedelta(seconds=elapsed * pulse.interval_s)
    upcoming = rrule(SECONDLY, interval=pulse.interval_s, dtstart=anchor, count=3).after(now)
    assert upcoming is not None
    return upcoming


def is_active(spec: ScheduleSpec, now: datetime, device_zone: str) -> bool:
    """A weekly schedule's activity; a pulse is a moment, never active."""
    return isinstance(spec, WeeklySchedule) and is_weekly_active(spec, now, device_zone)
