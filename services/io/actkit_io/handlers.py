"""The io service's message handlers and its handler table."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from actkit_core.bus import Handlers, Publisher
from actkit_io.domain import Board, output_circuit
from actkit_io.ports import Edge, GpioPort, Simulator
from actkit_io.store import PortStore
from actkit_proto import Ack, Invalid, Unavailable
from actkit_proto.io import (
    Direction,
    DriveInput,
    GetPort,
    ListPorts,
    Port,
    PortChanged,
    PortList,
    SetPort,
)


@dataclass(frozen=True)
class Deps:
    store: PortStore
    bus: Publisher
    gpio: GpioPort
    board: Board
    simulator: Simulator | None = None
    """The simulated wiring, when the hardware is simulated."""
    clock: Callable[[], int] = field(default=time.monotonic_ns)


async def get_port(command: GetPort, deps: Deps) -> Port:
    return deps.board.view(command.port_id)


async def list_ports(_command: ListPorts, deps: Deps) -> PortList:
    return PortList(ports=[deps.board.view(port_id) for port_id in sorted(deps.board.configs)])


async def set_port(command: SetPort, deps: Deps) -> Port:
    config = deps.board.config(command.port_id)
    circuit = output_circuit(config, command.is_active)
    await deps.gpio.write(command.port_id, circuit)
    return await _record(deps, Edge(command.port_id, circuit, deps.clock()))


async def drive_input(command: DriveInput, deps: Deps) -> Ack:
    if deps.simulator is None:
        raise Unavailable("the I/O hardware is real; the simulator is off")
    if deps.board.config(command.port_id).direction is not Direction.INPUT:
        raise Invalid(f"port {command.port_id} is an output; only inputs can be driven")
    deps.simulator.drive(command.port_id, command.circuit)
    return Ack()


async def report_edge(edge: Edge, deps: Deps) -> None:
    """Publish an input's new state; called for each edge the GPIO adapter reports."""
    await _record(deps, edge)


async def _record(deps: Deps, edge: Edge) -> Port:
    changed = deps.board.record(edge.port_id, edge.circuit)
    port = deps.board.view(edge.port_id)
    if changed:
        await deps.bus.publish(
            PortChanged(
                port_id=port.port_id,
                direction=port.direction,
                is_active=port.is_active,
                circuit=port.circuit,
                edge_ns=edge.at_ns,
            )
        )
    return port


HANDLERS: Handlers[Deps] = {
    GetPort: get_port,
    ListPorts: list_ports,
    SetPort: set_port,
    DriveInput: drive_input,
}
