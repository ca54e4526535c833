"""The status LED's patterns and their player: steady colours and flashes, timed by the timers."""

from __future__ import annotations

from actkit_io.ports import Cancellable, GpioPort, Timers
from actkit_proto.io import LedColour, LedPattern, LedShown, SetLed

READY = SetLed(colour=LedColour.GREEN)
RESET_ARMED = SetLed(colour=LedColour.AMBER, pattern=LedPattern.FLASH, period_ms=500)
RESETTING = SetLed(colour=LedColour.AMBER)
"""Steady amber from the release until the system service says the reset is done: the manual's
"the process is complete when the status LED turns green" must not be shown early."""


class LedPlayer:
    """Plays one pattern at a time; a new pattern replaces the running one at once."""

    def __init__(self, gpio: GpioPort, timers: Timers) -> None:
        self._gpio = gpio
        self._timers = timers
        self._token = 0
        self._pending: Cancellable | None = None
        self._shown = LedShown(colour=LedColour.OFF)

    @property
    def shown(self) -> LedShown:
        """What the LED shows now: the pattern playing, or the colour a counted flash ended on."""
        return self._shown

    async def play(self, pattern: SetLed) -> None:
        """Start showing ``pattern``."""
        self._token += 1
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        self._shown = LedShown(
            colour=pattern.colour,
            pattern=pattern.pattern,
            count=pattern.count,
            period_ms=pattern.period_ms,
        )
        if pattern.pattern is LedPattern.STEADY:
            await self._gpio.show(pattern.colour)
            return
        await self._flash(self._token, pattern, 0)

    async def _flash(self, token: int, pattern: SetLed, step: int) -> None:
        if token != self._token:
            return
        if pattern.count is not None and step >= 2 * pattern.count:
            self._shown = LedShown(colour=pattern.then)
            await self._gpio.show(pattern.then)
            return
        await self._gpio.show(pattern.colour if step % 2 == 0 else LedColour.OFF)

        async def next_step() -> None:
            await self._flash(token, pattern, step + 1)

        self._pending = self._timers.call_later(pattern.period_ms // 2, next_step)
