"""Messages of the events service: rules, conditions, actions, schedules, recipients, event log.

A rule holds one or more conditions (all must hold; the first may be used as a trigger, any may
be inverted) and one action. Conditions and actions are tagged unions on ``type``; the
catalogue (``events.conditions.list``) lists every type with its parameters as JSON Schema.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from actkit_proto.base import WRITE_ONLY, Ack, Command, Event, Reply, Role, RowId
from actkit_proto.ble import MessageType, SystemId
from actkit_proto.io import DurationMs, PortId
from actkit_proto.mqtt import Qos, Topic

MAX_RULES = 256
MAX_CONDITIONS = 8
"""The most conditions one rule holds."""
MAX_RECIPIENTS = 20
MAX_SCHEDULES = 64

Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f]+$")]
Host = Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.\-:\[\]]+$")]
NetPort = Annotated[int, Field(ge=1, le=65535)]
Secret = Annotated[
    str | None,
    Field(
        default=None,
        max_length=256,
        description="Write-only: replies never carry it.",
        **WRITE_ONLY,
    ),
]
Template = Annotated[
    str,
    Field(
        max_length=4096,
        description="Text with ``{rule_name}``, ``{rule_id}``, ``{time}``, ``{condition}``, "
        "``{value}`` fields.",
    ),
]


def _name_discriminator(schema: dict[str, Any]) -> None:
    """AsyncAPI 3 wants a discriminator as the property's name, not OpenAPI's mapping object."""
    discriminator = schema.get("discriminator")
    if isinstance(discriminator, dict):
        schema["discriminator"] = discriminator["propertyName"]


class Part(BaseModel):
    """A piece of configuration inside a message; unknown fields are refused, not ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# --- conditions ---------------------------------------------------------------------------


class _Condition(Part):
    invert: bool = False
    """Hold when the selection does not (stateless conditions cannot be inverted)."""


class InputCondition(_Condition):
    """I/O: a digital input is active."""

    type: Literal["input"] = "input"
    port_id: PortId


class TamperCondition(_Condition):
    """I/O: a supervised input's circuit is cut or shorted."""

    type: Literal["tamper"] = "tamper"
    port_id: PortId


class IgnitionCondition(_Condition):
    """Power: the ignition input is on."""

    type: Literal["ignition"] = "ignition"


class ButtonCondition(_Condition):
    """I/O: the control button was pressed (stateless)."""

    type: Literal["button"] = "button"


class MqttStatefulCondition(_Condition):
    """MQTT: the last payload on a stateful subscription equals ``payload`` (any if empty)."""

    type: Literal["mqtt_stateful"] = "mqtt_stateful"
    subscription: Topic
    payload: str | None = Field(default=None, max_length=4096)


class MqttStatelessCondition(_Condition):
    """MQTT: a message arrived on a stateless subscription (with ``payload`` if given)."""

    type: Literal["mqtt_stateless"] = "mqtt_stateless"
    subscription: Topic
    payload: str | None = Field(default=None, max_length=4096)


class BeaconCondition(_Condition):
    """Bluetooth: a beacon of ``system_id`` is received (with ``message_type`` if given)."""

    type: Literal["beacon"] = "beacon"
    system_id: SystemId
    message_type: MessageType | None = None


class ScheduleCondition(_Condition):
    """Schedule: the time is inside one of a weekly schedule's ranges."""

    type: Literal["schedule"] = "schedule"
    schedule_id: RowId


class PulseCondition(_Condition):
    """Pulse: a pulse schedule ticks (stateless)."""

    type: Literal["pulse"] = "pulse"
    schedule_id: RowId


class ManualCondition(_Condition):
    """Manual trigger: a manual trigger is on."""

    type: Literal["manual"] = "manual"
    trigger_id: int = Field(ge=1, le=MAX_RULES)


Condition = Annotated[
    InputCondition
    | TamperCondition
    | IgnitionCondition
    | ButtonCondition
    | MqttStatefulCondition
    | MqttStatelessCondition
    | BeaconCondition
    | ScheduleCondition
    | PulseCondition
    | ManualCondition,
    Field(discriminator="type", json_schema_extra=_name_discriminator),
]

STATELESS_CONDITIONS: frozenset[str] = frozenset({"button", "mqtt_stateless", "pulse"})
"""Condition types that are moments, not states: a rule fires once when they happen."""


# --- actions ------------------------------------------------------------------------------


class HoldIoAction(Part):
    """I/O: toggle an output while the rule is active."""

    type: Literal["io_while_active"] = "io_while_active"
    port_id: PortId
    is_active: bool = True


class PulseIoAction(Part):
    """I/O: toggle an output once, for a duration."""

    type: Literal["io_once"] = "io_once"
    port_id: PortId
    is_active: bool = True
    duration_ms: DurationMs


class NotifyAction(Part):
    """Notifications: send a notification to a recipient."""

    type: Literal["notification"] = "notification"
    recipient_id: RowId
    subject: Template = "{rule_name}"
    message: Template = "Rule {rule_name} was activated at {time}."


class MqttPublishAction(Part):
    """MQTT: send an MQTT publish message."""

    type: Literal["mqtt_publish"] = "mqtt_publish"
    topic: Topic
    payload: Template = ""
    qos: Qos = 0
    retain: bool = False
    use_device_prefix: bool = False


class BroadcastAction(Part):
    """Bluetooth: broadcast the beacon while the rule is active, or once for ``duration_ms``."""

    type: Literal["ble_broadcast"] = "ble_broadcast"
    system_id: SystemId
    message_type: MessageType = 1
    is_while_active: bool = True
    duration_ms: DurationMs | None = None


Action = Annotated[
    HoldIoAction | PulseIoAction | NotifyAction | MqttPublishAction | BroadcastAction,
    Field(discriminator="type", json_schema_extra=_name_discriminator),
]

WHILE_ACTIVE_ACTIONS: frozenset[str] = frozenset({"io_while_active", "ble_broadcast"})


# --- rules --------------------------------------------------------------------------------


class RuleSpec(Part):
    """What a person configures for a rule."""

    name: Name
    is_enabled: bool = True
    wait_between_actions_s: int = Field(
        default=0, ge=0, le=86_399, description="hh:mm:ss as seconds, at most 23:59:59."
    )
    use_first_as_trigger: bool = False
    """Once active, the rule stays active while the *other* conditions hold."""
    conditions: list[Condition] = Field(min_length=1, max_length=MAX_CONDITIONS)
    action: Action


class Rule(Reply):
    """A rule and whether it is active now."""

    rule_id: RowId
    rule: RuleSpec
    is_active: bool
    warnings: list[str] = Field(default_factory=list)
    """Why the rule, accepted, may not work as meant. Create and update answer what their checks
    found: an input condition on an output, an MQTT filter no subscription has yet, an owner that
    did not answer. Get, list and enable answer what the rule's ports are found to be now, on the
    board as io told it with each port configured since: a rule a later configuration broke says
    so here until it is mended."""


class RuleList(Reply):
    """Every rule, by id."""

    rules: list[Rule]


class CreateRule(Command[Rule]):
    """Add a rule (at most 256; the 257th is refused with 409)."""

    subject: ClassVar[str] = "events.rules.create"
    rule: RuleSpec


class ListRules(Command[RuleList]):
    """Read every rule."""

    subject: ClassVar[str] = "events.rules.list"
    required_role: ClassVar[Role] = Role.VIEWER


class GetRule(Command[Rule]):
    """Read one rule."""

    subject: ClassVar[str] = "events.rule.{rule_id}.get"
    required_role: ClassVar[Role] = Role.VIEWER
    rule_id: RowId


class UpdateRule(Command[Rule]):
    """Replace a rule; an active rule is deactivated and turned off until enabled again."""

    subject: ClassVar[str] = "events.rule.{rule_id}.update"
    rule_id: RowId
    rule: RuleSpec


class EnableRule(Command[Rule]):
    """Turn a rule on or off."""

    subject: ClassVar[str] = "events.rule.{rule_id}.enable"
    rule_id: RowId
    is_enabled: bool


class DeleteRule(Command[Ack]):
    """Delete a rule; an active rule ends first (outputs released)."""

    subject: ClassVar[str] = "events.rule.{rule_id}.delete"
    rule_id: RowId


class RuleChanged(Event):
    """A rule became active or inactive (kept in the KV bucket: restarts resume from it)."""

    subject: ClassVar[str] = "events.rule.{rule_id}.changed"
    stateful: ClassVar[bool] = True

    rule_id: RowId
    is_active: bool
    at: datetime


class RuleBeaconsChanged(Event):
    """The System IDs whose beacons the rules' conditions wait for changed (kept in the KV bucket).

    The ble service receives these System IDs as well as the ones its settings watch, so a rule
    on a beacon works without typing its System ID twice.
    """

    subject: ClassVar[str] = "events.beacons.changed"
    stateful: ClassVar[bool] = True

    system_ids: list[SystemId]
    """Sorted, each once."""


class ActionFailed(Event):
    """A rule's action could not be carried out."""

    subject: ClassVar[str] = "events.rule.{rule_id}.action_failed"

    rule_id: RowId
    action: str
    error: str
    at: datetime


class ConditionTrace(Reply):
    """One condition of a rule, its current value and whether it holds."""

    condition: Condition
    value: str
    """The last value seen, e.g. ``active``, ``"On"``, or ``unknown`` before any report."""
    holds: bool
    is_trigger: bool


class RuleTrace(Reply):
    """Why a rule is (not) active: every condition's value and one sentence."""

    rule_id: RowId
    is_enabled: bool
    is_active: bool
    conditions: list[ConditionTrace]
    last_activated_at: datetime | None
    reason: str


class TraceRule(Command[RuleTrace]):
    """Answer "why didn't it fire?" in one call."""

    subject: ClassVar[str] = "events.rule.{rule_id}.trace"
    required_role: ClassVar[Role] = Role.VIEWER
    rule_id: RowId


class CatalogueEntry(Reply):
    """One condition or action type and its parameters."""

    type: str
    title: str
    is_stateless: bool
    parameters: dict[str, Any]
    """JSON Schema of the parameters."""


class Catalogue(Reply):
    """Every condition and action type."""

    conditions: list[CatalogueEntry]
    actions: list[CatalogueEntry]


class ListCatalogue(Command[Catalogue]):
    """Every condition and action type a rule can use, with its parameters."""

    subject: ClassVar[str] = "events.conditions.list"
    required_role: ClassVar[Role] = Role.VIEWER


# --- manual triggers ----------------------------------------------------------------------


class ManualTrigger(Reply):
    """A manual trigger's state."""

    trigger_id: int
    is_on: bool


class SetManualTrigger(Command[ManualTrigger]):
    """Turn a manual trigger on or off (the web's button)."""

    subject: ClassVar[str] = "events.trigger.{trigger_id}.set"
    required_role: ClassVar[Role] = Role.OPERATOR
    trigger_id: int = Field(ge=1, le=MAX_RULES)
    is_on: bool


class FireManualTrigger(Command[ManualTrigger]):
    """One shot: turn a manual trigger on and straight off again."""

    subject: ClassVar[str] = "events.trigger.{trigger_id}.fire"
    required_role: ClassVar[Role] = Role.OPERATOR
    trigger_id: int = Field(ge=1, le=MAX_RULES)


class ManualTriggerInUse(ManualTrigger):
    """A manual trigger a rule's condition uses, its state, and the rules that use it."""

    rule_ids: list[RowId]


class ManualTriggerList(Reply):
    """The manual triggers the rules use, by id."""

    triggers: list[ManualTriggerInUse]


class ListManualTriggers(Command[ManualTriggerList]):
    """Read the manual triggers rules use (the manual's Manual trigger page), and each state."""

    subject: ClassVar[str] = "events.triggers.list"
    required_role: ClassVar[Role] = Role.VIEWER


class ManualTriggerChanged(Event):
    """A manual trigger was turned on or off (kept in the KV bucket)."""

    subject: ClassVar[str] = "events.trigger.{trigger_id}.changed"
    stateful: ClassVar[bool] = True
    trigger_id: int
    is_on: bool


# --- schedules ----------------------------------------------------------------------------

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
    Field(discriminator="kind", json_schema_extra=_name_discriminator),
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


# --- recipients ---------------------------------------------------------------------------


class Encryption(StrEnum):
    """How an email recipient's SMTP connection is encrypted."""

    NONE = "none"
    SSL = "ssl"
    """Implicit TLS from the first byte (port 465)."""
    TLS = "tls"
    """STARTTLS after connecting in clear (port 587)."""


class EmailRecipient(Part):
    """Email: SMTP with optional SSL/TLS and authentication, several To addresses."""

    type: Literal["email"] = "email"
    name: Name
    to: list[Annotated[str, Field(pattern=r"^[^@\s,]+@[^@\s,]+$")]] = Field(
        min_length=1, max_length=20
    )
    sender: Annotated[str, Field(pattern=r"^[^@\s,]+@[^@\s,]+$")]
    host: Host
    port: NetPort = 587
    encryption: Encryption = Encryption.NONE
    validate_certificate: bool = True
    username: str = Field(default="", max_length=256)
    password: Secret = None


class HttpRecipient(Part):
    """HTTP or HTTPS: the notification is POSTed to ``url`` as a form."""

    type: Literal["http", "https"] = "http"
    name: Name
    url: str = Field(pattern=r"^https?://\S+$", max_length=2048)
    username: str = Field(default="", max_length=256)
    password: Secret = None
    validate_certificate: bool = True
    proxy: str | None = Field(default=None, pattern=r"^https?://\S+$", max_length=2048)

    @model_validator(mode="after")
    def _scheme_matches_type(self) -> HttpRecipient:
        scheme = self.url.split("://", 1)[0].lower()
        if scheme != self.type:
            raise ValueError(f"a {self.type} recipient needs a {self.type}:// URL, not {scheme}://")
        return self

    @model_validator(mode="after")
    def _no_password_in_a_url(self, info: ValidationInfo) -> HttpRecipient:
        # Refused where a person sends it (STRICT); one stored before is still read.
        if not (info.context or {}).get("refuse_unknown_fields"):
            return self
        if urlsplit(self.url).password is not None:
            raise ValueError(
                "put the password in the password field, not in the URL, where every viewer "
                "would read it"
            )
        if self.proxy is not None and urlsplit(self.proxy).password is not None:
            raise ValueError(
                "a password in the proxy URL would be shown to every viewer: recipients reach "
                "proxies that need no password (allow the device's address at the proxy)"
            )
        return self


class TcpRecipient(Part):
    """TCP: the message is written to a plain TCP connection."""

    type: Literal["tcp"] = "tcp"
    name: Name
    host: Host
    port: NetPort


class FtpRecipient(Part):
    """FTP: the notification is uploaded as a text file."""

    type: Literal["ftp"] = "ftp"
    name: Name
    host: Host
    port: NetPort = 21
    folder: str = Field(default="", max_length=1024)
    username: str = Field(default="anonymous", max_length=256)
    password: Secret = None
    is_passive: bool = True
    use_temporary_name: bool = True


class SftpRecipient(Part):
    """SFTP: uploaded once the server's host key is checked, before the password is sent.

    Trust on first use: a stored recipient without a SHA-256 fingerprint pins the key its server
    shows at the first successful delivery or test; from then on another key is refused.
    """

    type: Literal["sftp"] = "sftp"
    name: Name
    host: Host
    port: NetPort = 22
    folder: str = Field(default="", max_length=1024)
    username: str = Field(min_length=1, max_length=256)
    password: Secret = None
    host_key_md5: str | None = Field(
        default=None, pattern=r"^([0-9a-fA-F]{2}:?){15}[0-9a-fA-F]{2}$"
    )
    """The MD5 fingerprint (``aa:bb:...``) the server's host key must have."""
    host_key_sha256: str | None = Field(default=None, pattern=r"^[A-Za-z0-9+/]{43}=?$")
    """The SHA-256 fingerprint (base64, without ``SHA256:``) the server's host key must have;
    empty, the first connection pins it. Clear it to accept a server's new key."""
    use_temporary_name: bool = True


class NetworkStorageRecipient(Part):
    """Network storage (SMB share): not supported on this device."""

    type: Literal["network_storage"] = "network_storage"
    name: Name
    host: Host
    share: str = Field(max_length=256)
    folder: str = Field(default="", max_length=1024)
    username: str = Field(default="", max_length=256)
    password: Secret = None


class SipRecipient(Part):
    """SIP or VMS call: not supported on this device."""

    type: Literal["sip", "vms"] = "sip"
    name: Name
    from_account: str = Field(default="", max_length=256)
    to_address: str = Field(max_length=256)


RecipientSpec = Annotated[
    EmailRecipient
    | HttpRecipient
    | TcpRecipient
    | FtpRecipient
    | SftpRecipient
    | NetworkStorageRecipient
    | SipRecipient,
    Field(discriminator="type", json_schema_extra=_name_discriminator),
]


class Recipient(Reply):
    """A recipient as shown: the password is never sent back, only whether one is set."""

    recipient_id: RowId
    recipient: RecipientSpec
    has_password: bool


class RecipientList(Reply):
    """Every recipient, passwords left out."""

    recipients: list[Recipient]


class CreateRecipient(Command[Recipient]):
    """Add a recipient (at most 20; the 21st is refused with 409)."""

    subject: ClassVar[str] = "events.recipients.create"
    recipient: RecipientSpec


class ListRecipients(Command[RecipientList]):
    """Read every recipient."""

    subject: ClassVar[str] = "events.recipients.list"
    required_role: ClassVar[Role] = Role.VIEWER


class GetRecipient(Command[Recipient]):
    """Read one recipient (its password left out)."""

    subject: ClassVar[str] = "events.recipient.{recipient_id}.get"
    required_role: ClassVar[Role] = Role.VIEWER
    recipient_id: RowId


class UpdateRecipient(Command[Recipient]):
    """Replace a recipient; an empty password keeps the stored one."""

    subject: ClassVar[str] = "events.recipient.{recipient_id}.update"
    recipient_id: RowId
    recipient: RecipientSpec


class DeleteRecipient(Command[Ack]):
    """Delete a recipient that no rule uses (409 otherwise)."""

    subject: ClassVar[str] = "events.recipient.{recipient_id}.delete"
    recipient_id: RowId


class RecipientTestResult(Reply):
    """The outcome of a test notification."""

    is_ok: bool
    answer: str
    """What the peer answered (e.g. the SMTP server's reply), or why it failed."""


class SendTestNotification(Command[RecipientTestResult]):
    """Send a test notification to a recipient (stored, or not yet saved)."""

    subject: ClassVar[str] = "events.recipients.test"
    recipient_id: RowId | None = None
    recipient: RecipientSpec | None = None
    """An unsaved recipient; its empty password is taken from ``recipient_id`` if given."""


# --- event log ----------------------------------------------------------------------------


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
