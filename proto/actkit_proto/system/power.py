"""Power settings and the delayed shutdown."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from actkit_proto.base import Command, Event, Reply, Role


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
