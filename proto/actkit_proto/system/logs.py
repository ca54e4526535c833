"""The system and access logs, and what services report into them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from actkit_proto.base import Command, Event, Reply, Role


class Severity(StrEnum):
    """Syslog severities (RFC 5424), most severe first."""

    EMERGENCY = "emergency"
    ALERT = "alert"
    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"
    INFO = "info"
    DEBUG = "debug"

    @property
    def code(self) -> int:
        """The numeric severity: 0 (emergency) to 7 (debug)."""
        return list(Severity).index(self)


class LogRecorded(Event):
    """A service logged a warning or worse; published by every service on its own subject."""

    subject: ClassVar[str] = "{service}.log.recorded"

    @classmethod
    def is_lent_to_integrators(cls) -> bool:
        """No: log lines name people and the addresses they came from."""
        return False

    service: str
    at: datetime
    severity: Severity
    logger: str
    """The logger's name, e.g. ``actkit_io.handlers``."""
    message: str


class LogEntry(BaseModel):
    """One line of the system log."""

    model_config = ConfigDict(frozen=True)

    entry_id: int
    at: datetime
    severity: Severity
    service: str
    logger: str
    message: str


LogLimit = Annotated[int, Field(ge=1, le=1000)]
"""How many lines one read of a log answers at most."""
LogText = Annotated[str, Field(max_length=200)]
"""A text the lines of the system log are searched for."""


class SystemLog(Reply):
    """System log lines, newest first."""

    entries: list[LogEntry]
    total: int
    """How many lines match, of which ``entries`` are the newest ``limit``."""


class ListSystemLog(Command[SystemLog]):
    """View the system log (device start-up, warnings, critical messages)."""

    subject: ClassVar[str] = "system.log.list"
    required_role: ClassVar[Role] = Role.VIEWER

    services: list[str] = Field(default_factory=list)
    """Only these services' lines; all when empty."""
    min_severity: Severity = Severity.DEBUG
    """Only lines at least this severe."""
    since: datetime | None = None
    until: datetime | None = None
    text: LogText | None = None
    """Only lines whose message or logger contains this, ignoring case."""
    limit: LogLimit = 200


class AccessEntry(BaseModel):
    """One failed attempt to access the device."""

    model_config = ConfigDict(frozen=True)

    entry_id: int
    at: datetime
    client_address: str
    name: str
    method: str
    page: str
    reason: str


class AccessLog(Reply):
    """Access log lines, newest first."""

    entries: list[AccessEntry]
    total: int


class ListAccessLog(Command[AccessLog]):
    """View the access log: failed attempts to access the device.

    Administrators only: it names accounts and the addresses they were tried from.
    """

    subject: ClassVar[str] = "system.accesslog.list"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    client_address: str | None = None
    name: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: LogLimit = 200
