"""The one clock a service reads: wall time for what people see and keep, monotonic for durations.

Handlers get a :class:`Clock` in their deps, so unit tests move time
(:class:`actkit_core.testing.clock.FakeClock`) instead of sleeping.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Time, injected."""

    def now(self) -> datetime:
        """Wall time now, timezone-aware, in UTC: for timestamps, logs, expiry and schedules."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (nor jumps when the wall clock is set)."""


class SystemClock:
    """The host's clocks.

    >>> clock = SystemClock()
    >>> clock.now().tzinfo is UTC and clock.monotonic() > 0
    True
    """

    def now(self) -> datetime:
        """Wall time now, in UTC."""
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """``time.monotonic()``."""
        return time.monotonic()
