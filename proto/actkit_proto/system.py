"""The system service's contract: identity, logs, plain config, maintenance, time, power, upgrades.

Cross-service parts: :class:`GetIdentity` (one source of the device's identity, used for the MQTT
prefix, VAPIX basic device info and reports) and :class:`LogRecorded`, which every service
publishes on its own subject for its warnings and above, collected into the system log.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from actkit_proto.base import Command, Event, Reply, Role
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
