"""The control button, ignition input and status LED: io.led.{set,get}, io.button.*, io.ignition."""

from __future__ import annotations

from actkit_io.domain.button import ButtonOutcome
from actkit_io.handlers.deps import Deps, monotonic_ns
from actkit_io.handlers.led import READY, RESET_ARMED, RESETTING
from actkit_io.ports import Switch, SwitchEdge
from actkit_proto import Ack
from actkit_proto.io import (
    ButtonPressed,
    GetLed,
    IgnitionChanged,
    LedShown,
    ResetRequested,
    SetLed,
)


async def set_led(command: SetLed, deps: Deps) -> Ack:
    await deps.led.play(command)
    return Ack()


async def get_led(_command: GetLed, deps: Deps) -> LedShown:
    return deps.led.shown


async def report_switch(edge: SwitchEdge, deps: Deps) -> None:
    """Publish what the button or the ignition did; called for each of their edges."""
    if edge.switch is Switch.IGNITION:
        await deps.bus.publish(IgnitionChanged(is_on=edge.is_on))
        return
    await follow_button(deps, deps.button.change(edge.is_on, monotonic_ns(deps.timers)))


async def follow_button(deps: Deps, outcome: ButtonOutcome | None) -> None:
    """Publish and show what the control button did."""
    if outcome is ButtonOutcome.PRESSED:
        await deps.bus.publish(ButtonPressed())
    elif outcome is ButtonOutcome.RESET_ARMED:
        await deps.led.play(RESET_ARMED)
    elif outcome is ButtonOutcome.RESET_REQUESTED:
        # Amber first: the system service's green at the end must not be overwritten by it.
        await deps.led.play(RESETTING)
        await deps.bus.publish(ResetRequested())
    elif outcome is ButtonOutcome.RESET_ABANDONED:
        await deps.led.play(READY)
