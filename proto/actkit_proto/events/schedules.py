"""Schedules and pulses: the times rules wait for."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from actkit_proto.base import Ack, Command, Reply, Role, RowId
from actkit_proto.events.common import Name, Part

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ClockTime = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM")]


class TimeRange(Part):
    """From ``start`` to ``end`` on each of ``days``; an end not after the start is next day."""

    days: list[Weekday] = Field(min_length=1, max_length=7)
    start: ClockTime
    end: ClockTime


class WeeklySchedule(Part):
    """A schedule that is active in time ranges on days of the week."""

    kind: Literal["weekly"] = "weekly"
    name: Name
    time_zone: str | None = Field(
        default=None,
        max_length=64,
        description="IANA name; empty follows the device's time zone, also when it changes.",
    )
    ranges: list[TimeRange] = Field(min_length=1, max_length=32)


class PulseSchedule(Part):
    """A pulse: a moment every ``interval_s`` seconds from ``start_at``."""

    kind: Literal["pulse"] = "pulse"
    name: Name
    interval_s: int = Field(ge=1, le=7 * 86_400)
    start_at: datetime | None = None
    """First tick (time-zone aware); the service's start if empty."""


ScheduleSpec = Annotated[
    WeeklySchedule | PulseSchedule,
    Field(discriminator="kind"),
]


class Schedule(Reply):
    """A schedule or pulse and whether it is active now."""

    schedule_id: RowId
    schedule: ScheduleSpec
    is_active: bool


class ScheduleList(Reply):
    """Every schedule and pulse."""

    schedules: list[Schedule]


class CreateSchedule(Command[Schedule]):
    """Add a schedule or pulse."""

    subject: ClassVar[str] = "events.schedules.create"
    schedule: ScheduleSpec


class ListSchedules(Command[ScheduleList]):
    """Read every schedule and pulse."""

    subject: ClassVar[str] = "events.schedules.list"
    required_role: ClassVar[Role] = Role.VIEWER


class GetSchedule(Command[Schedule]):
    """Read one schedule or pulse."""

    subject: ClassVar[str] = "events.schedule.{schedule_id}.get"
    required_role: ClassVar[Role] = Role.VIEWER
    schedule_id: RowId


class UpdateSchedule(Command[Schedule]):
    """Replace a schedule or pulse."""

    subject: ClassVar[str] = "events.schedule.{schedule_id}.update"
    schedule_id: RowId
    schedule: ScheduleSpec


class DeleteSchedule(Command[Ack]):
    """Delete a schedule that no rule uses (409 otherwise)."""

    subject: ClassVar[str] = "events.schedule.{schedule_id}.delete"
    schedule_id: RowId
