"""Messages of the io service: the I/O ports of the connector and their simulator."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from actkit_proto.base import Ack, Command, Event, Reply, Role, RowId

PortId = Annotated[int, Field(ge=1, le=64, description="Port number as printed on the connector.")]


def vapix_port_id(port_id: int) -> str:
    """The 0-based id VAPIX clients know a port by (getPorts, ``IOPort.I<n>``, event sources).

    The connector, and so :data:`PortId` and VAPIX ``port.cgi``, number ports from 1.
    """
    return str(port_id - 1)


def port_id_of_vapix(vapix_id: int) -> int:
    """The connector's port number of a 0-based VAPIX port id."""
    return vapix_id + 1


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
    is_supervised: bool = False
    """Cut and short wires are detected (and reported as tampering)."""
    debounce_ms: int = 50
    is_tampered: bool = False
    """A supervised input's circuit is cut or shorted."""
    holders: list[str] = Field(default_factory=list)
    """Who holds the output now (see ``HoldPort``); empty when nobody does."""


class PortList(Reply):
    """Every port of the board, by port number."""

    ports: list[Port]
    board: str = ""
    """The board's name, e.g. ``AXIS W401``."""


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


MAX_REFLEXES = 256
"""As many as the events service keeps rules."""


class Reflex(Reply):
    """A rule io carries out itself as it records an input's edge, with no bus hop between.

    The rule "while input ``input_port_id`` is active (or, ``is_inverted``, inactive), hold output
    ``output_port_id`` active (or inactive)": io holds the output as holder ``rule:<rule_id>``,
    exactly as the events service's ``HoldPort`` would, and lets go when the condition ends.
    """

    rule_id: RowId
    input_port_id: PortId
    is_inverted: bool = False
    output_port_id: PortId
    is_active: bool = True


class Reflexes(Reply):
    """The rules io carries out on the edges of its inputs, by rule id."""

    reflexes: list[Reflex] = Field(default_factory=list, max_length=MAX_REFLEXES)


class SetReflexes(Command[Reflexes]):
    """Replace the rules io carries out itself; only the events service, which owns them, sends it.

    io keeps them across its restarts, holds each output its rule wants now at once, and lets go
    of the outputs of the rules no longer in the list.
    """

    subject: ClassVar[str] = "io.reflexes.set"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR
    internal_for: ClassVar[tuple[str, ...]] = ("events",)

    reflexes: list[Reflex] = Field(max_length=MAX_REFLEXES)


class ReflexesChanged(Event):
    """The reflexes io follows now: told at its start and after each ``SetReflexes``.

    The events service compares them with what it told, so an io that lost them (a new
    database) or whose answer went astray is told again.
    """

    subject: ClassVar[str] = "io.reflexes.changed"

    reflexes: list[Reflex] = Field(default_factory=list, max_length=MAX_REFLEXES)


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


DebounceMs = Annotated[
    int, Field(ge=0, le=10_000, description="Input debounce in milliseconds, 0 to 10000.")
]


class ConfigurePort(Command[Port]):
    """Change a port's settings; fields left out keep their value.

    As the manual says, any change returns the outputs to their normal state, whatever holds
    or pulses were active.
    """

    subject: ClassVar[str] = "io.port.{port_id}.configure"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    port_id: PortId
    name: str | None = Field(default=None, description="1-64 printable characters.")
    direction: Direction | None = None
    """Only configurable ports (1-8 on the W401) can change direction."""
    normal_state: Circuit | None = None
    """``open`` or ``closed``: the circuit in which the port is inactive."""
    is_supervised: bool | None = None
    """Detect cut and short wires; configurable inputs with end-of-line resistors only."""
    debounce_ms: DebounceMs | None = None


class PortConfigured(Event):
    """A port's settings changed (a configure or a restore): rules that use it check it again."""

    subject: ClassVar[str] = "io.port.{port_id}.configured"

    port_id: PortId
    direction: Direction
    is_supervised: bool


class LedColour(StrEnum):
    """Colours the status LED can show."""

    OFF = "off"
    GREEN = "green"
    RED = "red"
    AMBER = "amber"


class LedPattern(StrEnum):
    """How the status LED shows its colour."""

    STEADY = "steady"
    FLASH = "flash"


class SetLed(Command[Ack]):
    """Show a pattern on the status LED, e.g. flash green three times after an O3C connect.

    A flash pattern with a count ends on ``then``; without a count it flashes until replaced.
    """

    subject: ClassVar[str] = "io.led.set"
    required_role: ClassVar[Role] = Role.OPERATOR

    colour: LedColour
    pattern: LedPattern = LedPattern.STEADY
    count: int | None = Field(default=None, ge=1, le=100, description="Flashes, then ``then``.")
    period_ms: int = Field(default=500, ge=100, le=10_000, description="One on+off cycle.")
    then: LedColour = LedColour.GREEN
    """The steady colour after a counted flash pattern."""


class LedShown(Reply):
    """What the status LED shows now.

    The last pattern asked of it; once a counted flash ended, its ``then`` colour, steady.
    """

    colour: LedColour
    pattern: LedPattern = LedPattern.STEADY
    count: int | None = None
    period_ms: int = 500


class GetLed(Command[LedShown]):
    """Read what the status LED shows."""

    subject: ClassVar[str] = "io.led.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SimLine(Reply):
    """What the simulated wiring sees on a port's line."""

    port_id: PortId
    circuit: Circuit
    is_high: bool
    """The line's logical level: high when the circuit is closed."""
    writes: list[Circuit]
    """Every circuit the service drove the line to since it started, oldest first."""


class ReadSimLine(Command[SimLine]):
    """Simulator: read a port's line as wiring would see it."""

    subject: ClassVar[str] = "sim.io.port.{port_id}.line"
    required_role: ClassVar[Role] = Role.VIEWER

    port_id: PortId


class PressButton(Command[Ack]):
    """Simulator: press (or release) the control button."""

    subject: ClassVar[str] = "sim.io.button.press"
    required_role: ClassVar[Role] = Role.OPERATOR

    is_pressed: bool = True


class SwitchIgnition(Command[Ack]):
    """Simulator: switch the ignition input on or off."""

    subject: ClassVar[str] = "sim.io.ignition.switch"
    required_role: ClassVar[Role] = Role.OPERATOR

    is_on: bool


class LedState(Reply):
    """The colour the simulated status LED shows now."""

    colour: LedColour


class ReadSimLed(Command[LedState]):
    """Simulator: read the status LED's colour."""

    subject: ClassVar[str] = "sim.io.led.get"
    required_role: ClassVar[Role] = Role.VIEWER
