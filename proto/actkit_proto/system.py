"""The system service's contract: identity, logs, plain config, maintenance, time, power, upgrades.

Cross-service parts: :class:`GetIdentity` (one source of the device's identity, used for the MQTT
prefix, discovery, VAPIX basic device info, the Status page and reports), :class:`TimeZoneChanged`
(the one time zone of the device) and :class:`LogRecorded`, which every service publishes on its
own subject for its warnings and above, collected into the system log.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from actkit_proto.base import Ack, Command, Event, Reply, Role, RowId
from actkit_proto.params import ParameterList, ParameterValue

# -- identity ----------------------------------------------------------------------------------


class Identity(Reply):
    """Who the device is."""

    model: str
    """Product model, e.g. ``AXIS W401``."""
    product_name: str
    """Full product name, e.g. ``AXIS W401 Body Worn Activation Kit``."""
    serial_number: str
    """12 upper-case hex digits, the same as the MAC address without separators."""
    mac_address: str
    """``AA:BB:CC:DD:EE:FF``."""
    software_version: str
    """The running software version (what the manual calls the AXIS OS version)."""
    build: str
    """Build identifier of the running software (image digest or source revision)."""


class GetIdentity(Command[Identity]):
    """The device's identity."""

    subject: ClassVar[str] = "system.identity.get"
    required_role: ClassVar[Role] = Role.VIEWER


# -- logs --------------------------------------------------------------------------------------


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


# -- plain config ------------------------------------------------------------------------------


class ListPlainConfig(Command[ParameterList]):
    """Every service's parameters in one tree; services that do not answer are left out."""

    subject: ClassVar[str] = "system.config.list"
    required_role: ClassVar[Role] = Role.VIEWER

    group: str | None = None
    """Only parameters whose group is this one or below it (``Time`` includes ``Time.NTP``)."""


class SetPlainConfig(Command[ParameterList]):
    """Set parameters of any services; each owner validates and applies its own.

    Values are grouped by owner; each owner's set is all-or-nothing.
    """

    subject: ClassVar[str] = "system.config.set"
    required_role: ClassVar[Role] = Role.OPERATOR

    values: dict[str, ParameterValue] = Field(min_length=1)
    """Key (``<group>.<name>``) to new value."""


# -- maintenance -------------------------------------------------------------------------------


class MaintenanceAction(StrEnum):
    """What maintenance was asked for."""

    RESTART = "restart"
    RESTORE = "restore"
    FACTORY_DEFAULT = "factory_default"


class MaintenanceResult(Reply):
    """What each service answered to a restore or factory default."""

    action: MaintenanceAction
    restored: list[str]
    """Services that restored their settings."""
    failed: dict[str, str] = Field(default_factory=dict)
    """Service to the reason it did not (not running, refused)."""


class Restart(Command[MaintenanceResult]):
    """Restart the device: every service restarts; settings are kept; outputs go to normal."""

    subject: ClassVar[str] = "system.maintenance.restart"


class Restore(Command[MaintenanceResult]):
    """Most settings back to factory default; the manual's network list is kept."""

    subject: ClassVar[str] = "system.maintenance.restore"


class FactoryDefault(Command[MaintenanceResult]):
    """Every setting back to factory default, the IP address included."""

    subject: ClassVar[str] = "system.maintenance.factory_default"


class RestartRequested(Event):
    """The device is about to restart (after a restart, restore or factory default)."""

    subject: ClassVar[str] = "system.maintenance.restart_requested"

    action: MaintenanceAction


# -- time --------------------------------------------------------------------------------------

POLL_INTERVALS_S: tuple[int, ...] = tuple(2**exponent for exponent in range(4, 18))
"""The NTP poll times one may choose: 16 s to 131072 s (about 36 h), powers of two as NTP has."""


class SyncMode(StrEnum):
    """How the device's date and time are kept."""

    NTS_KE = "nts_ke"
    """Automatic, with the manual NTS key establishment servers (secure NTP)."""
    NTP_DHCP = "ntp_dhcp"
    """Automatic, with the NTP servers the DHCP server gives, and fallback servers."""
    NTP_MANUAL = "ntp_manual"
    """Automatic, with NTP servers of your choice."""
    CUSTOM = "custom"
    """Set by hand (or once from the browser's clock); not synchronised."""


class TimeZoneSource(StrEnum):
    """Where the time zone comes from."""

    DHCP = "dhcp"
    MANUAL = "manual"


class TimeSettings(Reply):
    """Date, time and time zone settings (System > Time and location)."""

    sync_mode: SyncMode = SyncMode.NTP_DHCP
    nts_ke_servers: list[str] = Field(default_factory=list, max_length=2)
    """NTS KE servers (host or IP), for ``nts_ke``."""
    ntp_servers: list[str] = Field(default_factory=list, max_length=2)
    """NTP servers (host or IP), for ``ntp_manual``."""
    fallback_ntp_servers: list[str] = Field(default_factory=list, max_length=2)
    """Used with ``ntp_dhcp`` when DHCP gives none."""
    min_poll_s: int = 64
    """One of :data:`POLL_INTERVALS_S`, at most ``max_poll_s``."""
    max_poll_s: int = 1024
    """One of :data:`POLL_INTERVALS_S`."""
    time_zone_source: TimeZoneSource = TimeZoneSource.MANUAL
    time_zone: str = "UTC"
    """IANA name (``Europe/Stockholm``); daylight saving time follows automatically."""


class GetTimeSettings(Command[TimeSettings]):
    """The date and time settings."""

    subject: ClassVar[str] = "system.time.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetTimeSettings(Command[TimeSettings]):
    """Change the date and time settings; applied to the clock at once."""

    subject: ClassVar[str] = "system.time.set"

    settings: TimeSettings


class TimeStatus(Reply):
    """The clock now, for the status page."""

    now: datetime
    """Device time, in its time zone."""
    time_zone: str
    """The zone in force: DHCP's when the source is DHCP and it offers a known one."""
    time_zone_source: TimeZoneSource = TimeZoneSource.MANUAL
    dhcp_time_zone: str | None = None
    """What the DHCP lease offers (option 101), whether in use or not."""
    utc_offset_s: int
    is_dst: bool
    sync_mode: SyncMode
    is_synchronized: bool
    server: str | None = None
    """The server it follows, when synchronised."""
    offset_s: float | None = None
    """Estimated offset from that server."""
    next_sync_s: float | None = None
    """Time until the next poll."""


class TimeZoneChanged(Event):
    """The device's time zone in force, at the system service's start and whenever it changes.

    Kept in the KV bucket: every service reads it at start and follows it as its local time
    (schedules, logs, templates, pages), so that the whole device keeps one clock.
    """

    subject: ClassVar[str] = "system.time.zone.changed"
    stateful: ClassVar[bool] = True
    is_for_every_service: ClassVar[bool] = True

    time_zone: str
    """IANA name of the zone in force (DHCP's or the manual one, as the settings say)."""


class GetTimeStatus(Command[TimeStatus]):
    """Whether the clock is synchronised, with which server and how well."""

    subject: ClassVar[str] = "system.time.status"
    required_role: ClassVar[Role] = Role.VIEWER


class SetDateTime(Command[TimeStatus]):
    """Set the clock by hand (custom date and time, or "get from system" with the browser's)."""

    subject: ClassVar[str] = "system.time.datetime.set"

    at: datetime
    """With a UTC offset; without one it is the device's local time, in the time zone in force
    (``2026-11-24T16:20:00`` is 16:20 wherever the device is set to be)."""


# -- location ----------------------------------------------------------------------------------


class CoordinateFormat(StrEnum):
    """How latitude and longitude are shown and entered."""

    DECIMAL_DEGREES = "decimal_degrees"
    DEGREES_MINUTES_SECONDS = "degrees_minutes_seconds"


class Location(Reply):
    """Where the device is, for a video management system's map."""

    format: CoordinateFormat = CoordinateFormat.DECIMAL_DEGREES
    latitude: float = Field(default=0.0, ge=-90, le=90)
    """Degrees; positive is north of the equator."""
    longitude: float = Field(default=0.0, ge=-180, le=180)
    """Degrees; positive is east of the prime meridian."""
    heading: float = Field(default=0.0, ge=0, lt=360)
    """Compass direction the device faces; 0 is due north."""
    label: str = Field(default="", max_length=64)


class GetLocation(Command[Location]):
    """The device location."""

    subject: ClassVar[str] = "system.location.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetLocation(Command[Location]):
    """Save the device location."""

    subject: ClassVar[str] = "system.location.set"

    location: Location


# -- power -------------------------------------------------------------------------------------


class PowerSettings(Reply):
    """System > Power settings."""

    is_delayed_shutdown_on: bool = False
    """Turn on only when the ignition is wired to the power connector."""
    delay_min: int = Field(default=5, ge=1, le=60)
    """Minutes between ignition off and shutdown."""


class GetPowerSettings(Command[PowerSettings]):
    """The power settings."""

    subject: ClassVar[str] = "system.power.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetPowerSettings(Command[PowerSettings]):
    """Change the power settings; a running countdown follows the new delay."""

    subject: ClassVar[str] = "system.power.set"

    settings: PowerSettings


class ShutdownState(StrEnum):
    """Where delayed shutdown stands."""

    OFF = "off"
    """Delayed shutdown is turned off."""
    ARMING = "arming"
    """Just powered on after being without power: not yet active (the manual's start delay)."""
    IDLE = "idle"
    """Active; the ignition is on."""
    COUNTING_DOWN = "counting_down"
    """The ignition is off: shutdown at ``shutdown_at`` unless it comes back on."""
    SHUTTING_DOWN = "shutting_down"


class ShutdownCountdownChanged(Event):
    """Delayed shutdown changed state (kept as the current state)."""

    subject: ClassVar[str] = "system.power.countdown.changed"
    stateful: ClassVar[bool] = True

    state: ShutdownState
    shutdown_at: datetime | None = None
    """When counting down: when the device shuts down."""
    active_at: datetime | None = None
    """When arming: when delayed shutdown becomes active."""


class ShutdownRequested(Event):
    """The device is shutting down cleanly (ignition off for the whole delay)."""

    subject: ClassVar[str] = "system.power.shutdown_requested"

    reason: str


# -- system and access logs --------------------------------------------------------------------


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


# -- remote syslog -----------------------------------------------------------------------------


class SyslogFormat(StrEnum):
    """The message format sent to a remote syslog server."""

    AXIS = "axis"
    RFC3164 = "rfc3164"
    RFC5424 = "rfc5424"


class SyslogProtocol(StrEnum):
    """How messages travel to a remote syslog server."""

    UDP = "udp"
    TCP = "tcp"
    TLS = "tls"

    @property
    def default_port(self) -> int:
        """514 for UDP, 601 for TCP, 6514 for TLS."""
        return {"udp": 514, "tcp": 601, "tls": 6514}[self.value]


class SyslogServer(BaseModel):
    """A remote syslog server and what to send it."""

    model_config = ConfigDict(frozen=True)

    host: str = Field(min_length=1, max_length=253)
    """Host name or IP address."""
    format: SyslogFormat = SyslogFormat.RFC5424
    protocol: SyslogProtocol = SyslogProtocol.UDP
    port: int | None = Field(default=None, ge=1, le=65535)
    """``None``: the protocol's default port."""
    severity: Severity = Severity.WARNING
    """Send messages this severe and worse."""
    ca_certificate: str | None = None
    """For TLS: the PEM CA certificate(s) to trust; ``None`` trusts the system's CA set."""


class SyslogServerEntry(Reply):
    """A configured remote syslog server."""

    server_id: RowId
    server: SyslogServer


class SyslogServerList(Reply):
    """Every configured remote syslog server."""

    servers: list[SyslogServerEntry]


class ListSyslogServers(Command[SyslogServerList]):
    """The remote syslog servers."""

    subject: ClassVar[str] = "system.syslog.servers.list"
    required_role: ClassVar[Role] = Role.VIEWER


class AddSyslogServer(Command[SyslogServerEntry]):
    """Add a remote syslog server; delivery starts at once."""

    subject: ClassVar[str] = "system.syslog.servers.add"

    server: SyslogServer


class RemoveSyslogServer(Command[Ack]):
    """Stop sending to a remote syslog server and forget it."""

    subject: ClassVar[str] = "system.syslog.server.{server_id}.remove"

    server_id: RowId


class SyslogTestResult(Reply):
    """The outcome of a test message to a remote syslog server."""

    is_ok: bool
    answer: str
    """What happened (sent, or connected and written), or why it failed, in a sentence."""


class TestSyslogServer(Command[SyslogTestResult]):
    """Send one test message to a remote syslog server as typed (not yet saved)."""

    subject: ClassVar[str] = "system.syslog.servers.test"
    __test__: ClassVar[bool] = False
    """Not a pytest test class, despite its name."""

    server: SyslogServer


class SyslogDeliveryFailed(Event):
    """A remote syslog server could not be reached; delivery is retried with the next message."""

    subject: ClassVar[str] = "system.syslog.server.{server_id}.delivery_failed"

    server_id: RowId
    reason: str


# -- upgrades (container rollouts) -------------------------------------------------------------


class UpgradeMode(StrEnum):
    """The manual's upgrade options."""

    STANDARD = "standard"
    FACTORY_DEFAULT = "factory_default"
    """Upgrade, then every setting to factory default; no rollback to the previous version."""
    AUTOROLLBACK = "autorollback"
    """Upgrade; unless confirmed within the time limit, the previous version comes back."""


class UpgradeBundle(BaseModel):
    """An update: the manifest (JSON text, see ``deploy/rollout/``) and its signature."""

    model_config = ConfigDict(frozen=True)

    manifest: str = Field(min_length=2, max_length=100_000)
    """JSON: ``{"version", "build", "services": {name: {"image", "digest"}}}``."""
    signature: str | None = None
    """Base64 Ed25519 signature of the manifest's UTF-8 bytes."""


class UpgradeSettings(Reply):
    """Who may sign updates."""

    allow_unsigned: bool = False
    """Install unsigned bundles too (development only)."""
    public_keys: list[str] = Field(default_factory=list, max_length=4)
    """PEM Ed25519 public keys whose signatures are accepted."""


class GetUpgradeSettings(Command[UpgradeSettings]):
    """The upgrade settings."""

    subject: ClassVar[str] = "system.upgrade.settings.get"


class SetUpgradeSettings(Command[UpgradeSettings]):
    """Change the upgrade settings."""

    subject: ClassVar[str] = "system.upgrade.settings.set"

    settings: UpgradeSettings


class UpgradeStage(StrEnum):
    """Where a rollout stands."""

    IDLE = "idle"
    VERIFYING = "verifying"
    PULLING = "pulling"
    REPLACING = "replacing"
    HEALTH_CHECKING = "health_checking"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    COMMITTED = "committed"
    ROLLING_BACK = "rolling_back"
    ROLLED_BACK = "rolled_back"
    FAILED = "failed"


class UpgradeStatus(Reply):
    """The installed version and the rollout in progress, if any."""

    version: str
    """The version running now."""
    previous_version: str | None = None
    """What a rollback returns to; ``None`` when there is none."""
    stage: UpgradeStage = UpgradeStage.IDLE
    mode: UpgradeMode | None = None
    target_version: str | None = None
    percent: int = Field(default=0, ge=0, le=100)
    service: str | None = None
    """The service being replaced."""
    confirm_by: datetime | None = None
    """Autorollback: confirm before this, or the previous version comes back."""
    message: str = ""


class UpgradeProgressed(Event):
    """A rollout moved on (kept as the current state)."""

    subject: ClassVar[str] = "system.upgrade.progressed"
    stateful: ClassVar[bool] = True

    status: UpgradeStatus


ConfirmWithinS = Annotated[int, Field(ge=60, le=86_400)]
"""Autorollback: how long a new version waits to be confirmed, 1 min to 24 h."""


class StartUpgrade(Command[UpgradeStatus]):
    """Verify a bundle and start rolling it out; progress follows as events."""

    subject: ClassVar[str] = "system.upgrade.start"

    bundle: UpgradeBundle
    mode: UpgradeMode = UpgradeMode.STANDARD
    confirm_within_s: ConfirmWithinS = 300
    """Autorollback: the time limit to confirm."""


class ConfirmUpgrade(Command[UpgradeStatus]):
    """Keep the new version (autorollback)."""

    subject: ClassVar[str] = "system.upgrade.confirm"


class RollbackUpgrade(Command[UpgradeStatus]):
    """Go back to the previously installed version."""

    subject: ClassVar[str] = "system.upgrade.rollback"


class GetUpgradeStatus(Command[UpgradeStatus]):
    """The installed version and any rollout in progress."""

    subject: ClassVar[str] = "system.upgrade.status"
    required_role: ClassVar[Role] = Role.VIEWER


# -- reports -----------------------------------------------------------------------------------


class ServerReport(Reply):
    """The device server report: product status in UTF-8 text, access log included."""

    text: str


class GetServerReport(Command[ServerReport]):
    """View the device server report."""

    subject: ClassVar[str] = "system.report.server"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class ReportArchive(Reply):
    """A .zip download."""

    file_name: str
    content_base64: str
    """The zip file, base64."""


class GetServerReportArchive(Command[ReportArchive]):
    """Download the server report: a .zip with the report text file (UTF-8)."""

    subject: ClassVar[str] = "system.report.server.archive"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class GetCrashReport(Command[ReportArchive]):
    """Download the crash report (more detail than the server report; may be sensitive).

    It holds the server report, every service's status, all parameters, the recent log lines
    of all services and what is installed.
    """

    subject: ClassVar[str] = "system.report.crash"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


# -- network trace -----------------------------------------------------------------------------


class NetworkTraceStage(StrEnum):
    """Where a network trace stands."""

    IDLE = "idle"
    RECORDING = "recording"
    READY = "ready"
    """Recorded: download it with :class:`GetNetworkTraceChunk`."""
    FAILED = "failed"


class NetworkTraceStatus(Reply):
    """The network trace being recorded or ready for download."""

    stage: NetworkTraceStage = NetworkTraceStage.IDLE
    duration_s: int = 0
    percent: int = Field(default=0, ge=0, le=100)
    file_name: str | None = None
    size_bytes: int = 0
    message: str = ""


class NetworkTraceProgressed(Event):
    """A network trace moved on (kept as the current state)."""

    subject: ClassVar[str] = "system.trace.progressed"
    stateful: ClassVar[bool] = True

    status: NetworkTraceStatus


TraceDurationS = Annotated[int, Field(ge=1, le=1800)]
"""How long a network trace records: 1 s to 30 min."""


class StartNetworkTrace(Command[NetworkTraceStatus]):
    """Record the network for a while (pcap); may contain certificates or passwords."""

    subject: ClassVar[str] = "system.trace.start"

    duration_s: TraceDurationS
    """Trace time: 1 s to 30 min."""


class NetworkTraceChunk(Reply):
    """A piece of the recorded trace file."""

    file_name: str
    offset: int
    size_bytes: int
    """The whole file's size."""
    content_base64: str
    is_last: bool


class GetNetworkTraceChunk(Command[NetworkTraceChunk]):
    """Download the recorded trace, a chunk at a time (the bus carries up to 1 MB a message)."""

    subject: ClassVar[str] = "system.trace.chunk"

    offset: int = Field(default=0, ge=0)
