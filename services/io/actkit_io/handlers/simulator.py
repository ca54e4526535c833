"""The simulated wiring: sim.io.port.<id>.drive|line, sim.io.button.press, sim.io.ignition, LED."""

from __future__ import annotations

from collections.abc import Callable

from actkit_io.handlers.deps import Deps
from actkit_io.ports import HardwareError, Simulator, Switch
from actkit_proto import Ack, Invalid, Unavailable
from actkit_proto.io import (
    Circuit,
    Direction,
    DriveInput,
    LedState,
    PressButton,
    ReadSimLed,
    ReadSimLine,
    SimLine,
    SwitchIgnition,
)


async def drive_input(command: DriveInput, deps: Deps) -> Ack:
    simulator = _simulator(deps)
    if deps.board.config(command.port_id).direction is not Direction.INPUT:
        raise Invalid(f"port {command.port_id} is an output; only inputs can be driven")
    return _refusing(lambda: simulator.drive(command.port_id, command.circuit))


async def read_sim_line(command: ReadSimLine, deps: Deps) -> SimLine:
    deps.board.config(command.port_id)
    line = _simulator(deps).line(command.port_id)
    return SimLine(
        port_id=command.port_id,
        circuit=line.circuit,
        is_high=line.circuit is Circuit.CLOSED,
        writes=line.writes,
    )


async def press_button(command: PressButton, deps: Deps) -> Ack:
    simulator = _simulator(deps)
    return _refusing(lambda: simulator.switch(Switch.BUTTON, command.is_pressed))


async def switch_ignition(command: SwitchIgnition, deps: Deps) -> Ack:
    simulator = _simulator(deps)
    return _refusing(lambda: simulator.switch(Switch.IGNITION, command.is_on))


async def read_sim_led(_command: ReadSimLed, deps: Deps) -> LedState:
    return LedState(colour=_simulator(deps).led())


def _refusing(change: Callable[[], None]) -> Ack:
    """Make the change; the simulated board refusing it (edges piled up) is a 503."""
    try:
        change()
    except HardwareError as exc:
        raise Unavailable(str(exc)) from None
    return Ack()


def _simulator(deps: Deps) -> Simulator:
    if deps.simulator is None:
        raise Unavailable("the I/O hardware is real; the simulator is off")
    return deps.simulator
