"""What every system handler gets: the store, the ports, and the state held in memory."""

from __future__ import annotations

from dataclasses import dataclass, field

from actkit_core.bus import Publisher
from actkit_proto.services import SERVICE_NAMES
from actkit_proto.system import (
    AccessEntry,
    Identity,
    Location,
    LogEntry,
    PowerSettings,
    ShutdownCountdownChanged,
    SyslogServerEntry,
    TimeSettings,
)
from actkit_system.domain.logs import Journal
from actkit_system.domain.power import DelayedShutdown
from actkit_system.ports import PowerControl, SyslogOutput, TimeKeeper
from actkit_system.store import SystemStore


@dataclass
class Current:
    """The settings in force, loaded at start and replaced on each change."""

    time: TimeSettings
    location: Location
    power: PowerSettings
    syslog_servers: list[SyslogServerEntry]
    hostname: str
    countdown: ShutdownCountdownChanged | None = None
    """The delayed shutdown state last published."""


@dataclass(frozen=True)
class Deps:
    bus: Publisher
    store: SystemStore
    time: TimeKeeper
    power: PowerControl
    syslog: SyslogOutput
    identity: Identity
    current: Current
    shutdown: DelayedShutdown
    system_log: Journal[LogEntry]
    access_log: Journal[AccessEntry]
    services: tuple[str, ...] = field(default=SERVICE_NAMES)
    """The services plain config gathers from and maintenance fans out to."""
