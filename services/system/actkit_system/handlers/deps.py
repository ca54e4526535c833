"""What every system handler gets: the store, the ports, and the state held in memory."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from actkit_core.bus import Publisher
from actkit_proto.services import SERVICE_NAMES, SETTINGS_OWNERS
from actkit_proto.system import (
    AccessEntry,
    AppsSettings,
    Identity,
    Location,
    LogEntry,
    NetworkTraceStatus,
    PowerSettings,
    ShutdownCountdownChanged,
    SyslogServerEntry,
    TimeSettings,
    UpgradeMode,
    UpgradeSettings,
    UpgradeStage,
    UpgradeStatus,
)
from actkit_system.domain.app_licences import AppLicences
from actkit_system.domain.apps import InstalledApps
from actkit_system.domain.logs import Journal
from actkit_system.domain.power import DelayedShutdown
from actkit_system.domain.rollout import RolloutRecord
from actkit_system.domain.time import effective_time_zone
from actkit_system.ports import (
    AppEngine,
    AppsBusRelay,
    BusServer,
    ContainerEngine,
    DhcpTimeZone,
    PacketCapture,
    PowerControl,
    SyslogOutput,
    TimeKeeper,
)
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
    dhcp_time_zone: str | None = None
    """The time zone the DHCP lease offers, as last read."""
    announced_time_zone: str | None = None
    """The zone last published to the other services."""

    def time_zone(self) -> str:
        """The zone in force: DHCP's or the manual one, as the settings say."""
        return effective_time_zone(self.time, self.dhcp_time_zone)


@dataclass
class Upgrades:
    """The rollout's state: the engine, what is installed, the rollout running."""

    engine: ContainerEngine
    record: RolloutRecord
    settings: UpgradeSettings
    base_version: str
    """The version running before any rollout was recorded."""
    built_in_keys: tuple[str, ...] = ()
    """Trusted keys that come with the device, beside the configured ones."""
    health_timeout_s: float = 120.0
    health_poll_s: float = 1.0
    is_checking_bus: bool = True
    """Also require the new service to answer on the bus before it counts as healthy."""
    stage: UpgradeStage = UpgradeStage.IDLE
    mode: UpgradeMode | None = None
    target: str | None = None
    percent: int = 0
    service: str | None = None
    message: str = ""
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    def version(self) -> str:
        return self.record.current.version if self.record.current else self.base_version

    def is_busy(self) -> bool:
        return self.task is not None and not self.task.done()

    def status(self) -> UpgradeStatus:
        return UpgradeStatus(
            version=self.version(),
            previous_version=self.record.previous.version if self.record.previous else None,
            stage=self.stage,
            mode=self.mode,
            target_version=self.target,
            percent=self.percent,
            service=self.service,
            confirm_by=self.record.pending_confirmation,
            message=self.message,
        )


@dataclass
class Trace:
    """The network trace: where it is written, the tool, and how far it got."""

    folder: Path
    capture: PacketCapture
    status: NetworkTraceStatus = field(default_factory=NetworkTraceStatus)
    task: asyncio.Task[None] | None = field(default=None, repr=False)


@dataclass
class Apps:
    """The apps: the engine that runs them, what is installed, and who may sign them."""

    engine: AppEngine
    installed: InstalledApps
    settings: AppsSettings
    uploads: Path
    """Where image archives are received, one file per upload."""
    network: str
    nats_url: str | None
    """The bus as apps reach it; ``None``: the apps network's gateway (known once it is made)
    at ``nats_port``."""
    nats_port: int
    relay: AppsBusRelay
    """Offers the bus at the apps network's gateway when ``nats_url`` is ``None``."""
    upload_max_bytes: int
    nats: BusServer
    """The nats-server that learns the apps' users by reloading (and the link to HQ, which
    may restart it)."""
    users_file: Path
    """The apps' users file nats-server includes (written for its owner only)."""
    licences: AppLicences = field(default_factory=AppLicences)
    """The activated licences by app name (an app's stays when it is deleted)."""
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    """One change of the apps at a time: an install takes long and must not interleave."""
    update_settle_s: float = 5.0
    """How long a new version must run without a restart before it replaces the old one."""
    update_timeout_s: float = 60.0
    """How long a new version with a health check may take to turn healthy."""
    nats_restart: asyncio.Task[None] | None = field(default=None, repr=False)
    """nats-server's restart, made once the answer that asked for it has left."""


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
    upgrades: Upgrades
    trace: Trace
    dhcp: DhcpTimeZone
    apps: Apps
    services: tuple[str, ...] = field(default=SERVICE_NAMES)
    """Every service: whose logs are collected and whose status the reports show."""
    settings_owners: tuple[str, ...] = field(default=SETTINGS_OWNERS)
    """The services plain config gathers from and maintenance restores."""
