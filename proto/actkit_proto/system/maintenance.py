"""Maintenance: restart, restore, factory default."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from actkit_proto.base import Ack, Command, Event, Reply


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


class ReloadBusServer(Command[Ack]):
    """Internal, for the network service only: have nats-server read its configuration again.

    The cloud connection's owner writes the link to HQ into nats-server's include files; where
    nats-server is a container of its own (the board), only the system service, which drives
    the engine, can signal it. Connections stay on a reload.
    """

    subject: ClassVar[str] = "system.bus.reload"
    internal_for: ClassVar[tuple[str, ...]] = ("network",)

    restart: bool = False
    """Restart it instead, for what a reload cannot change (its server name, its JetStream
    domain: a first link to HQ). Answered before it restarts; every connection drops and the
    clients reconnect by themselves."""


class RestartRequested(Event):
    """The device is about to restart (after a restart, restore or factory default)."""

    subject: ClassVar[str] = "system.maintenance.restart_requested"

    action: MaintenanceAction
