"""The ports: io.port.<id>.get|set|configure|pulse|hold|release, io.ports.list, restore, edges."""

from __future__ import annotations

import logging

from actkit_io.domain.board import PortConfig, reconfigure
from actkit_io.domain.reflexes import follow
from actkit_io.handlers.deps import Deps, monotonic_ns
from actkit_io.handlers.switches import report_switch
from actkit_io.metrics import EDGE_TO_EVENT_SECONDS, edges_of, output_changes_of
from actkit_io.params import PortParameters
from actkit_io.ports import Edge, HardwareError, Switch, SwitchEdge
from actkit_proto import Ack, Unavailable
from actkit_proto.base import Event
from actkit_proto.io import (
    ConfigurePort,
    Direction,
    GetPort,
    HoldPort,
    IgnitionChanged,
    ListPorts,
    Port,
    PortConfigured,
    PortList,
    PulsePort,
    ReleasePort,
    SetPort,
)
from actkit_proto.params import RestoreSettings

log = logging.getLogger(__name__)


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
    now_ns = monotonic_ns(deps.timers)
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


async def drive_output(
    deps: Deps, port_id: int, *, announce: bool = True, wait_kept: bool = True
) -> None:
    """Put an output's circuit where its demand says; publish the change.

    ``wait_kept``: return once the bucket keeps the output's new state (a command's answer
    says it), else as soon as the change is published (an edge's reflex).
    """
    wanted = deps.board.wanted_circuit(port_id)
    if deps.board.raw[port_id] == wanted:
        return
    try:
        await deps.gpio.write(port_id, wanted)
    except HardwareError as exc:
        raise Unavailable(str(exc)) from None
    output_changes_of(port_id).inc()
    events = deps.board.record(port_id, wanted, monotonic_ns(deps.timers))
    if announce:
        await publish(deps, events, wait_kept=wait_kept)


async def publish(deps: Deps, events: list[Event], *, wait_kept: bool = True) -> None:
    for event in events:
        await deps.bus.publish(event, wait_kept=wait_kept)


async def report_edge(edge: Edge | SwitchEdge, deps: Deps) -> None:
    """Publish what an input edge means; called for each edge the GPIO adapter reports."""
    if isinstance(edge, SwitchEdge):
        await report_switch(edge, deps)
        return
    config = deps.board.configs.get(edge.port_id)
    if config is None or config.direction is not Direction.INPUT:
        # Queued before the port became an output: what the service drives is the truth.
        return
    edges_of(edge.port_id).inc()
    events = deps.board.record(edge.port_id, edge.circuit, edge.at_ns)
    # Each edge is published; its state is kept without waiting for the bucket, so a chattering
    # input is reported as fast as it changes and the bucket keeps the newest state.
    await publish(deps, events, wait_kept=False)
    if events:
        EDGE_TO_EVENT_SECONDS.observe((monotonic_ns(deps.timers) - edge.at_ns) / 1e9)
        await follow_reflexes(deps, edge.port_id)


async def follow_reflexes(deps: Deps, port_id: int) -> None:
    """Hold or let go of the outputs of the rules io carries out on input ``port_id``.

    After the input's events: the events service reads the input's change before the output's.
    """
    for reflex in deps.reflexes.on(port_id):
        for output_id in follow(deps.board, reflex):
            try:
                await drive_output(deps, output_id, wait_kept=False)
            except Unavailable as exc:
                log.warning("rule %d did not switch output %d: %s", reflex.rule_id, output_id, exc)


async def announce_state(deps: Deps) -> None:
    """Publish every port's state and the ignition's, so the KV bucket holds the truth."""
    now_ns = monotonic_ns(deps.timers)
    for port_id in sorted(deps.board.configs):
        await publish(deps, deps.board.state_events(port_id, now_ns))
    await deps.bus.publish(IgnitionChanged(is_on=await deps.gpio.is_on(Switch.IGNITION)))


def port_parameters(deps: Deps) -> PortParameters:
    """The ports' settings as parameters; a set goes through :func:`configure_port`."""

    async def configure(command: ConfigurePort) -> Port:
        return await configure_port(command, deps)

    return PortParameters(deps.board, configure)
