"""Messages of the io service: the I/O ports of the connector and their simulator."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from actkit_proto.base import Ack, Command, Event, Reply, Role

PortId = Annotated[int, Field(ge=1, le=64, description="Port number as printed on the connector.")]


class Direction(StrEnum):
    """Whether a port reads a signal or drives one."""

    INPUT = "input"
    OUTPUT = "output"


class Circuit(StrEnum):
    """The electrical state of a port's circuit; ``cut`` and ``short`` only on supervised inputs."""

    OPEN = "open"
    CLOSED = "closed"
    CUT = "cut"
    SHORT = "short"


class Port(Reply):
    """A port's configuration and current state."""

    port_id: PortId
    name: str
    direction: Direction
    normal_state: Circuit
    """The circuit state in which the port is inactive (open or closed)."""
    is_configurable: bool
    is_active: bool
    """True when the circuit differs from the normal state."""
    circuit: Circuit


class PortList(Reply):
    """Every port of the board, by port number."""

    ports: list[Port]


class GetPort(Command[Port]):
    """Read one port's configuration and state."""

    subject: ClassVar[str] = "io.port.{port_id}.get"
    required_role: ClassVar[Role] = Role.VIEWER

    port_id: PortId


class ListPorts(Command[PortList]):
    """Read every port."""

    subject: ClassVar[str] = "io.ports.list"
    required_role: ClassVar[Role] = Role.VIEWER


class SetPort(Command[Port]):
    """Make an output active or inactive."""

    subject: ClassVar[str] = "io.port.{port_id}.set"
    required_role: ClassVar[Role] = Role.OPERATOR

    port_id: PortId
    is_active: bool


class PortChanged(Event):
    """A port became active or inactive, or its circuit changed."""

    subject: ClassVar[str] = "io.port.{port_id}.changed"
    stateful: ClassVar[bool] = True

    port_id: PortId
    direction: Direction
    is_active: bool
    circuit: Circuit
    edge_ns: int = Field(description="Monotonic time of the electrical edge, in nanoseconds.")


class DriveInput(Command[Ack]):
    """Simulator: put a simulated input's circuit in a state, as wiring would."""

    subject: ClassVar[str] = "sim.io.port.{port_id}.drive"
    required_role: ClassVar[Role] = Role.OPERATOR

    port_id: PortId
    circuit: Circuit
