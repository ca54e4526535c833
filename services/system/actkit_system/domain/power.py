"""Delayed shutdown: ignition off starts a countdown, ignition on cancels it, the end shuts down."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from actkit_proto.system import PowerSettings, ShutdownCountdownChanged, ShutdownState


@dataclass
class DelayedShutdown:
    """Where delayed shutdown stands; every method takes the time now and returns the new state.

    >>> from datetime import UTC, datetime, timedelta
    >>> start = datetime(2026, 1, 1, tzinfo=UTC)
    >>> timer = DelayedShutdown(PowerSettings(is_delayed_shutdown_on=True, delay_min=2), start)
    >>> timer.ignition(False, start).state.value
    'counting_down'
    >>> timer.tick(start + timedelta(minutes=2)).state.value
    'shutting_down'
    """

    settings: PowerSettings
    active_at: datetime
    """Before this, delayed shutdown is arming (the start delay after being without power)."""
    is_ignition_on: bool = True
    """Until the ignition is known, it is taken as on: never shut down on a guess."""
    ignition_off_at: datetime | None = None
    is_shutting_down: bool = field(default=False)

    def view(self, now: datetime) -> ShutdownCountdownChanged:
        """The state at ``now``."""
        if self.is_shutting_down:
            return ShutdownCountdownChanged(state=ShutdownState.SHUTTING_DOWN)
        if not self.settings.is_delayed_shutdown_on:
            return ShutdownCountdownChanged(state=ShutdownState.OFF)
        if now < self.active_at:
            return ShutdownCountdownChanged(state=ShutdownState.ARMING, active_at=self.active_at)
        shutdown_at = self.shutdown_at(now)
        if shutdown_at is None:
            return ShutdownCountdownChanged(state=ShutdownState.IDLE)
        return ShutdownCountdownChanged(state=ShutdownState.COUNTING_DOWN, shutdown_at=shutdown_at)

    def shutdown_at(self, now: datetime) -> datetime | None:
        """When the device shuts down if nothing changes; ``None`` when it does not."""
        if self.is_ignition_on or self.ignition_off_at is None:
            return None
        counting_from = max(self.ignition_off_at, self.active_at)
        if now < counting_from:
            return None
        return counting_from + timedelta(minutes=self.settings.delay_min)

    def ignition(self, is_on: bool, now: datetime) -> ShutdownCountdownChanged:
        """The ignition switched; off starts counting (once active), on cancels."""
        if is_on != self.is_ignition_on:
            self.is_ignition_on = is_on
            self.ignition_off_at = None if is_on else now
        return self.tick(now)

    def configure(self, settings: PowerSettings, now: datetime) -> ShutdownCountdownChanged:
        """New settings; a running countdown follows the new delay from when the ignition went."""
        self.settings = settings
        return self.tick(now)

    def tick(self, now: datetime) -> ShutdownCountdownChanged:
        """Advance to ``now``: shut down once a countdown has run out."""
        view = self.view(now)
        if view.shutdown_at is not None and now >= view.shutdown_at:
            self.is_shutting_down = True
            return self.view(now)
        return view

    def next_change(self, now: datetime) -> datetime | None:
        """When the state changes next on its own (for the timer that calls :meth:`tick`)."""
        view = self.view(now)
        if view.state is ShutdownState.ARMING:
            return self.active_at
        return view.shutdown_at
