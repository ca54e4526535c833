"""The event log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from actkit_proto.base import Command, Reply, Role


class LogKind(StrEnum):
    """What an event log entry records."""

    ACTIVATED = "activated"
    DEACTIVATED = "deactivated"
    SUPPRESSED = "suppressed"
    ACTION_OK = "action_ok"
    ACTION_FAILED = "action_failed"
    CHANGED = "changed"
    WARNING = "warning"
    """The rule may no longer work, e.g. a port it uses was configured otherwise."""


class LogEntry(Reply):
    """One entry of the event log."""

    at: datetime
    rule_id: int | None
    kind: LogKind
    text: str


class EventLog(Reply):
    """Entries of the event log, oldest first."""

    entries: list[LogEntry]


class QueryEventLog(Command[EventLog]):
    """Entries of the event log, oldest first, filtered by time and rule."""

    subject: ClassVar[str] = "events.log.query"
    required_role: ClassVar[Role] = Role.VIEWER
    since: datetime | None = None
    until: datetime | None = None
    rule_id: int | None = None
    limit: int = Field(default=100, ge=1, le=10_000)
