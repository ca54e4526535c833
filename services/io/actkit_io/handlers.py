"""The io service's message handlers and its handler table."""

from __future__ import annotations

from dataclasses import dataclass

from actkit_core.bus import Handlers, Publisher
from actkit_core.params import parameter_handlers
from actkit_io.domain import Board, ButtonOutcome, ControlButton, PortConfig, reconfigure
from actkit_io.led import LedPlayer
from actkit_io.metrics import EDGE_TO_EVENT_SECONDS, EDGES, OUTPUT_CHANGES
from actkit_io.params import PortParameters
from actkit_io.ports import (
    Edge,
    GpioPort,
    HardwareError,
    Simulator,
    Switch,
    SwitchEdge,
    Timers,
)
from actkit_io.store import PortStore
from actkit_proto import Ack, Invalid, Unavailable
from actkit_proto.base import Event
from actkit_proto.io import (
    ButtonPressed,
    Circuit,
    ConfigurePort,
    Direction,
    DriveInput,
    GetPort,
    HoldPort,
    IgnitionChanged,
    LedColour,
    LedPattern,
    LedState,
    ListPorts,
    Port,
    PortConfigured,
    PortList,
    PressButton,
    PulsePort,
    ReadSimLed,
    ReadSimLine,
    ReleasePort,
    ResetRequested,
    SetLed,
    SetPort,
    SimLine,
    SwitchIgnition,
)
from actkit_proto.params import RestoreSettings

READY = SetLed(colour=LedColour.GREEN)
RESET_ARMED = SetLed(colour=LedColour.AMBER, pattern=LedPattern.FLASH, period_ms=500)
RESETTING = SetLed(colour=LedColour.AMBER)
"""Steady amber from the release until the system service says the reset is done: the manual's
"the process is complete when the status LED turns green" must not be shown early."""


@dataclass(frozen=True)
class Deps:
    store: PortStore
    bus: Publisher
    gpio: GpioPort
    board: Board
    timers: Timers
    led: LedPlayer
    button: ControlButton
    defaults: tuple[PortConfig, ...]
    """Every port as the board file sets it up: what a restore goes back to."""
    simulator: Simulator | None = None
    """The simulated wiring, when the hardware is simulated."""


async def get_port(command: GetPort, deps: Deps) -> Port:
    return deps.board.view(command.port_id)


async def list_ports(_command: ListPorts, deps: Deps) -> PortList:
    ports = [deps.board.view(port_id) for port_id in sorted(deps.board.configs)]
    return PortList(ports=ports, board=deps.board.name)


async def set_port(command: SetPort, deps: Deps) -> Port:
    _, demand = deps.board.output(command.port_id)
    demand.base_active = command.is_active
    await drive_output(deps, command.port_id)
    return deps.board.view(command.port_id)


async def pulse_port(command: PulsePort, deps: Deps) -> Port:
    port_id = command.port_id
    _, demand = deps.board.output(port_id)
    token = demand.start_pulse(command.is_active)
    await drive_output(deps, port_id)

    async def end_pulse() -> None:
        if demand.end_pulse(token):
            await drive_output(deps, port_id)

    deps.timers.call_later(command.duration_ms, end_pulse)
    return deps.board.view(port_id)


async def hold_port(command: HoldPort, deps: Deps) -> Port:
    _, demand = deps.board.output(command.port_id)
    demand.holders[command.holder] = command.is_active
    await drive_output(deps, command.port_id)
    return deps.board.view(command.port_id)


async def release_port(command: ReleasePort, deps: Deps) -> Port:
    # Releasing what is not held is not an error: a settings change may have let go already.
    _, demand = deps.board.output(command.port_id)
    demand.holders.pop(command.holder, None)
    await drive_output(deps, command.port_id)
    return deps.board.view(command.port_id)


async def configure_port(command: ConfigurePort, deps: Deps) -> Port:
    new = reconfigure(deps.board.config(command.port_id), command)
    await deps.store.save(new)
    await _take(deps, [new])
    return deps.board.view(command.port_id)


async def restore_settings(_command: RestoreSettings, deps: Deps) -> Ack:
    """Every port back to the board file's defaults and every output to normal.

    Names, directions, normal states, supervision and debounce: none is on the manual's
    keep-list, so a restore and a factory default are alike.
    """
    await deps.store.reset(list(deps.defaults))
    await _take(deps, list(deps.defaults))
    return Ack()


async def _take(deps: Deps, configs: list[PortConfig]) -> None:
    """Apply saved configurations: lines set up again, every output to normal, states told.

    Raises:
        Unavailable: the hardware refused a line; the settings are saved all the same.
    """
    failures: list[str] = []
    for new in configs:
        port_id = new.port_id
        old = deps.board.config(port_id)
        deps.board.apply(new)
        if (new.direction, new.debounce_ms) == (old.direction, old.debounce_ms):
            continue
        try:
            if old.direction is Direction.OUTPUT:  # let go at normal before it changes
                await deps.gpio.write(port_id, old.normal_state)
            await deps.gpio.configure(port_id, new.direction, new.debounce_ms)
        except HardwareError as exc:
            failures.append(str(exc))
            continue
        deps.board.raw[port_id] = await deps.gpio.read(port_id)
    changed = {config.port_id for config in configs}
    for output_id, config in deps.board.configs.items():
        if config.direction is Direction.OUTPUT:
            await drive_output(deps, output_id, announce=output_id not in changed)
    now_ns = deps.timers.now_ns()
    for port_id in sorted(changed):
        await publish(deps, deps.board.state_events(port_id, now_ns))
    for config in sorted(configs, key=lambda config: config.port_id):
        # Rules that use the port check it again (an output action on a port now an input).
        configured = PortConfigured(
            port_id=config.port_id, direction=config.direction, is_supervised=config.is_supervised
        )
        await deps.bus.publish(configured)
    if failures:
        raise Unavailable(f"the setting is saved but {'; '.join(failures)}")


async def set_led(command: SetLed, deps: Deps) -> Ack:
    await deps.led.play(command)
    return Ack()


async def drive_input(command: DriveInput, deps: Deps) -> Ack:
    simulator = _simulator(deps)
    if deps.board.config(command.port_id).direction is not Direction.INPUT:
        raise Invalid(f"port {command.port_id} is an output; only inputs can be driven")
    simulator.drive(command.port_id, command.circuit)
    return Ack()


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
    _simulator(deps).switch(Switch.BUTTON, command.is_pressed)
    return Ack()


async def switch_ignition(command: SwitchIgnition, deps: Deps) -> Ack:
    _simulator(deps).switch(Switch.IGNITION, command.is_on)
    return Ack()


async def read_sim_led(_command: ReadSimLed, deps: Deps) -> LedState:
    return LedState(colour=_simulator(deps).led())


def _simulator(deps: Deps) -> Simulator:
    if deps.simulator is None:
        raise Unavailable("the I/O hardware is real; the simulator is off")
    return deps.simulator


async def drive_output(deps: Deps, port_id: int, *, announce: bool = True) -> None:
    """Put an output's circuit where its demand says; publish the change."""
    wanted = deps.board.wanted_circuit(port_id)
    if deps.board.raw[port_id] == wanted:
        return
    try:
        await deps.gpio.write(port_id, wanted)
    except HardwareError as exc:
        raise Unavailable(str(exc)) from None
    OUTPUT_CHANGES.labels(str(port_id)).inc()
    events = deps.board.record(port_id, wanted, deps.timers.now_ns())
    if announce:
        await publish(deps, events)


async def publish(deps: Deps, events: list[Event]) -> None:
    for event in events:
        await deps.bus.publish(event)


async def report_edge(edge: Edge | SwitchEdge, deps: Deps) -> None:
    """Publish what an input edge means; called for each edge the GPIO adapter reports."""
    if isinstance(edge, SwitchEdge):
        await _report_switch(edge, deps)
        return
    config = deps.board.configs.get(edge.port_id)
    if config is None or config.direction is not Direction.INPUT:
        # Queued before the port became an output: what the service drives is the truth.
        return
    EDGES.labels(str(edge.port_id)).inc()
    events = deps.board.record(edge.port_id, edge.circuit, edge.at_ns)
    await publish(deps, events)
    if events:
        EDGE_TO_EVENT_SECONDS.observe((deps.timers.now_ns() - edge.at_ns) / 1e9)


async def _report_switch(edge: SwitchEdge, deps: Deps) -> None:
    if edge.switch is Switch.IGNITION:
        await deps.bus.publish(IgnitionChanged(is_on=edge.is_on))
        return
    await follow_button(deps, deps.button.change(edge.is_on, deps.timers.now_ns()))


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


async def announce_state(deps: Deps) -> None:
    """Publish every port's state and the ignition's, so the KV bucket holds the truth."""
    now_ns = deps.timers.now_ns()
    for port_id in sorted(deps.board.configs):
        await publish(deps, deps.board.state_events(port_id, now_ns))
    await deps.bus.publish(IgnitionChanged(is_on=await deps.gpio.is_on(Switch.IGNITION)))


def port_parameters(deps: Deps) -> PortParameters:
    """The ports' settings as parameters; a set goes through :func:`configure_port`."""

    async def configure(command: ConfigurePort) -> Port:
        return await configure_port(command, deps)

    return PortParameters(deps.board, configure)


HANDLERS: Handlers[Deps] = {
    GetPort: get_port,
    ListPorts: list_ports,
    SetPort: set_port,
    PulsePort: pulse_port,
    HoldPort: hold_port,
    ReleasePort: release_port,
    ConfigurePort: configure_port,
    SetLed: set_led,
    DriveInput: drive_input,
    ReadSimLine: read_sim_line,
    PressButton: press_button,
    SwitchIgnition: switch_ignition,
    ReadSimLed: read_sim_led,
    RestoreSettings: restore_settings,
    **parameter_handlers(port_parameters),
}
