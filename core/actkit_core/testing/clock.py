"""A clock that moves only when a test says so: the one fake of :class:`actkit_core.clock.Clock`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

START = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
"""Where a :class:`FakeClock` starts unless told otherwise."""


class FakeClock:
    """Wall and monotonic time that stand still until :meth:`advance` moves both.

    >>> clock = FakeClock()
    >>> clock.advance(90)
    >>> clock.advance(hours=1)
    >>> (clock.now() - START, clock.monotonic())
    (datetime.timedelta(seconds=3690), 4690.0)
    """

    def __init__(self, now: datetime = START, monotonic_s: float = 1000.0) -> None:
        """Start at ``now`` (aware) with the monotonic clock at ``monotonic_s``."""
        self._now = now
        # Kept in whole microseconds (a timedelta's step), so that many small steps add up exactly.
        self._monotonic_us = round(monotonic_s * 1_000_000)

    def now(self) -> datetime:
        """The wall time the test set."""
        return self._now

    def monotonic(self) -> float:
        """The monotonic seconds the test set."""
        return self._monotonic_us / 1_000_000

    def advance(self, seconds: float = 0, **units: float) -> None:
        """Move both clocks on by ``seconds`` and ``units`` (``minutes=``, ``hours=`` ...)."""
        step = timedelta(seconds=seconds, **units)
        self._now += step
        self._monotonic_us += step // timedelta(microseconds=1)

    def set(self, now: datetime) -> None:
        """Set the wall clock (as a person or NTP does); the monotonic clock does not move."""
        self._now = now
