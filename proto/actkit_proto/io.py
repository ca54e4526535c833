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


DurationMs = Annotated[
    int, Field(gt=0, le=3_600_000, description="Milliseconds, more than 0 and at most one hour.")
]
HolderId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:\-]+$",
        description="Who holds the output, e.g. ``rule:7``; releases name the same holder.",
    ),
]


class PulsePort(Command[Port]):
    """Toggle an output once: make it active (or inactive) for a while, then return it.

    The manual's action "Toggle I/O once". A pulse on an output that a holder keeps active
    ends with the output still active.
    """

    subject: ClassVar[str] = "io.port.{port_id}.pulse"
    required_role: ClassVar[Role] = Role.OPERATOR

    port_id: PortId
    duration_ms: DurationMs
    is_active: bool = True


class HoldPort(Command[Port]):
    """Keep an output active (or inactive) on behalf of a holder until it releases it.

    The manual's action "Toggle I/O while the rule is active". Several holders may hold one
    output; it stays held while any holder holds it.
    """

    subject: ClassVar[str] = "io.port.{port_id}.hold"
    required_role: ClassVar[Role] = Role.OPERATOR

    port_id: PortId
    holder: HolderId
    is_active: bool = True


class ReleasePort(Command[Port]):
    """A holder lets go of an output; the output returns to normal when nobody holds it."""

    subject: ClassVar[str] = "io.port.{port_id}.release"
    required_role: ClassVar[Role] = Role.OPERATOR

    port_id: PortId
    holder: HolderId


class PortTampered(Event):
    """A supervised input's circuit was cut or shorted, or came back from it."""

    subject: ClassVar[str] = "io.port.{port_id}.tampered"
    stateful: ClassVar[bool] = True

    port_id: PortId
    is_tampered: bool
    circuit: Circuit


class ButtonPressed(Event):
    """The control button was pressed and released."""

    subject: ClassVar[str] = "io.button.pressed"


class ResetRequested(Event):
    """The control button was held at power-on for 15-30 s: a factory default is asked for."""

    subject: ClassVar[str] = "io.button.reset_requested"


class IgnitionChanged(Event):
    """The ignition input of the power connector switched on or off."""

    subject: ClassVar[str] = "io.ignition.changed"
    stateful: ClassVar[bool] = True

    is_on: bool
