"""The control button: a plain press, or held from power-on, a request to reset the device."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

RESET_HOLD_MIN_NS = 15_000_000_000
RESET_HOLD_MAX_NS = 30_000_000_000


class ButtonOutcome(Enum):
    """What a change of the control button means."""

    PRESSED = "pressed"
    """Pressed and released in normal operation (O3C one-click)."""
    RESET_ARMED = "reset_armed"
    """Held from power-on for 15 s: the LED flashes amber, releasing now asks for a reset."""
    RESET_REQUESTED = "reset_requested"
    RESET_ABANDONED = "reset_abandoned"
    """Released before 15 s or held past 30 s: no reset."""


@dataclass
class ControlButton:
    """The control button's press tracking: a plain press, or the power-on reset hold."""

    pressed_since_ns: int | None = None
    is_power_on_hold: bool = False
    is_armed: bool = False

    @classmethod
    def at_start(cls, is_pressed: bool, now_ns: int) -> ControlButton:
        """The button as read at power-on; held down, it may become a reset request."""
        if is_pressed:
            return cls(pressed_since_ns=now_ns, is_power_on_hold=True)
        return cls()

    def change(self, is_pressed: bool, now_ns: int) -> ButtonOutcome | None:
        """The button went down or up at ``now_ns``."""
        if is_pressed:
            if self.pressed_since_ns is None and not self.is_power_on_hold:
                self.pressed_since_ns = now_ns
            return None
        if self.pressed_since_ns is None:
            return None
        held_ns = now_ns - self.pressed_since_ns
        was_power_on_hold = self.is_power_on_hold
        self.pressed_since_ns, self.is_power_on_hold, self.is_armed = None, False, False
        if not was_power_on_hold:
            return ButtonOutcome.PRESSED
        if RESET_HOLD_MIN_NS <= held_ns <= RESET_HOLD_MAX_NS:
            return ButtonOutcome.RESET_REQUESTED
        return ButtonOutcome.RESET_ABANDONED

    def tick(self, now_ns: int) -> ButtonOutcome | None:
        """Time passed while the button may be held from power-on."""
        if not self.is_power_on_hold or self.pressed_since_ns is None:
            return None
        held_ns = now_ns - self.pressed_since_ns
        if held_ns > RESET_HOLD_MAX_NS:
            # Forget the press too: its release must not count as a plain press.
            self.pressed_since_ns, self.is_power_on_hold, self.is_armed = None, False, False
            return ButtonOutcome.RESET_ABANDONED
        if held_ns >= RESET_HOLD_MIN_NS and not self.is_armed:
            self.is_armed = True
            return ButtonOutcome.RESET_ARMED
        return None
