"""Pure logic of the I/O ports: configuration rules, circuit states, output ownership."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from actkit_proto.base import Event
from actkit_proto.errors import Invalid, NotFound
from actkit_proto.io import (
    Circuit,
    ConfigurePort,
    Direction,
    Port,
    PortChanged,
    PortTampered,
)

NAME_MAX_LENGTH = 64
TAMPER_CIRCUITS = frozenset({Circuit.CUT, Circuit.SHORT})


@dataclass(frozen=True)
class PortConfig:
    """How a port is set up: the board profile gives what it can do, the store what it does."""

    port_id: int
    name: str
    direction: Direction
    normal_state: Circuit = Circuit.OPEN
    is_supervised: bool = False
    debounce_ms: int = 50
    is_configurable: bool = True
    """Its direction may change (ports 1-8 on the W401)."""
    can_supervise: bool = True
    """The board has the supervision circuit (end-of-line resistor detector) for it."""
    kind: str = "configurable port"
    """What the port is, in words for error messages, e.g. ``relay output``."""


def check_name(port_id: int, name: str) -> str:
    """A port name without surrounding blanks, 1-64 printable characters."""
    stripped = name.strip()
    if not stripped or len(stripped) > NAME_MAX_LENGTH or not stripped.isprintable():
        raise Invalid(
            f"port {port_id}: the name must be 1-{NAME_MAX_LENGTH} printable characters, "
            f"got {name!r}"
        )
    return stripped


def reconfigure(config: PortConfig, change: ConfigurePort) -> PortConfig:
    """The port's configuration after ``change``, by the rules of the manual.

    Raises:
        Invalid: the change breaks a rule; the message says which.
    """
    port = config.port_id
    updated = config
    if change.name is not None:
        updated = dataclasses.replace(updated, name=check_name(port, change.name))
    if change.direction is not None and change.direction is not config.direction:
        if not config.is_configurable:
            raise Invalid(f"port {port} is a {config.kind}; its direction cannot change")
        updated = dataclasses.replace(updated, direction=change.direction)
        if change.direction is Direction.OUTPUT and change.is_supervised is None:
            updated = dataclasses.replace(updated, is_supervised=False)
    if change.normal_state is not None:
        if change.normal_state in TAMPER_CIRCUITS:
            raise Invalid(
                f"port {port}: the normal state is open or closed, not {change.normal_state}"
            )
        updated = dataclasses.replace(updated, normal_state=change.normal_state)
    if change.is_supervised is not None:
        updated = dataclasses.replace(updated, is_supervised=change.is_supervised)
    if updated.is_supervised:
        if updated.direction is not Direction.INPUT:
            raise Invalid(f"port {port} is an output; only inputs can be supervised")
        if not config.can_supervise:
            raise Invalid(
                f"port {port} is a {config.kind} without a supervision circuit; "
                "it cannot be supervised"
            )
    if change.debounce_ms is not None:
        updated = dataclasses.replace(updated, debounce_ms=change.debounce_ms)
    return updated


_UNSUPERVISED = {Circuit.CUT: Circuit.OPEN, Circuit.SHORT: Circuit.CLOSED}


def read_circuit(raw: Circuit, is_supervised: bool) -> Circuit:
    """What a port reads: without supervision a cut loop is just open, a shorted one closed."""
    if is_supervised:
        return raw
    return _UNSUPERVISED.get(raw, raw)


def is_active(circuit: Circuit, normal_state: Circuit) -> bool:
    """A port is active when its circuit differs from its normal state (cut/short are tamper)."""
    if circuit in TAMPER_CIRCUITS:
        return False
    return circuit != normal_state


def active_circuit(normal_state: Circuit, want_active: bool) -> Circuit:
    """The circuit an output takes to be active or inactive."""
    opposite = Circuit.CLOSED if normal_state is Circuit.OPEN else Circuit.OPEN
    return opposite if want_active else normal_state


@dataclass
class OutputDemand:
    """Everything that asks an output to be active or not; :meth:`is_active` decides.

    The ownership rule, highest first:

    1. any holder holding it active: active (two rules sharing a lamp keep it on while either is);
    2. otherwise any holder holding it inactive: inactive;
    3. otherwise a running pulse: the pulse's level;
    4. otherwise the last ``set``: its level (inactive after start and after any settings change).
    """

    base_active: bool = False
    holders: dict[str, bool] = field(default_factory=dict)
    pulse_active: bool | None = None
    pulse_token: int = 0
    """Counts pulses, so that the timer of a replaced pulse does not end its successor."""

    def is_active(self) -> bool:
        """Whether the output should be active now."""
        if any(self.holders.values()):
            return True
        if self.holders:
            return False
        if self.pulse_active is not None:
            return self.pulse_active
        return self.base_active

    def start_pulse(self, is_active: bool) -> int:
        """Begin a pulse, replacing a running one; returns the token that ends it."""
        self.pulse_token += 1
        self.pulse_active = is_active
        return self.pulse_token

    def end_pulse(self, token: int) -> bool:
        """End the pulse ``token``; False when a later pulse replaced it."""
        if token != self.pulse_token or self.pulse_active is None:
            return False
        self.pulse_active = None
        return True


@dataclass
class Board:
    """Every port's configuration, circuit and output demand while the service runs."""

    configs: dict[int, PortConfig]
    raw: dict[int, Circuit] = field(default_factory=dict)
    """The electrical state the hardware reports (cut/short even on unsupervised ports)."""
    demands: dict[int, OutputDemand] = field(default_factory=dict)
    name: str = ""
    """The board profile's name, e.g. ``AXIS W401``."""

    @classmethod
    def from_configs(cls, configs: list[PortConfig], name: str = "") -> Board:
        """A board whose lines all read open, as the outputs are while the device starts."""
        return cls(
            {c.port_id: c for c in configs},
            {c.port_id: Circuit.OPEN for c in configs},
            {c.port_id: OutputDemand() for c in configs},
            name,
        )

    def config(self, port_id: int) -> PortConfig:
        """The configuration of ``port_id``.

        Raises:
            NotFound: the board has no such port.
        """
        try:
            return self.configs[port_id]
        except KeyError:
            ports = ", ".join(str(p) for p in sorted(self.configs))
            raise NotFound(f"there is no port {port_id}; the ports are {ports}") from None

    def output(self, port_id: int) -> tuple[PortConfig, OutputDemand]:
        """An output's configuration and demand.

        Raises:
            NotFound: no such port.
            Invalid: the port is an input.
        """
        config = self.config(port_id)
        if config.direction is not Direction.OUTPUT:
            raise Invalid(f"port {port_id} is an input; only outputs can be set, pulsed or held")
        return config, self.demands[port_id]

    def wanted_circuit(self, port_id: int) -> Circuit:
        """The circuit an output's demand asks for."""
        config = self.configs[port_id]
        return active_circuit(config.normal_state, self.demands[port_id].is_active())

    def circuit(self, port_id: int) -> Circuit:
        """The port's circuit as it reads, given whether it is supervised."""
        return read_circuit(self.raw[port_id], self.configs[port_id].is_supervised)

    def is_tampered(self, port_id: int) -> bool:
        """A supervised input is cut or shorted."""
        return self.circuit(port_id) in TAMPER_CIRCUITS

    def view(self, port_id: int) -> Port:
        """The port as the bus shows it."""
        config = self.config(port_id)
        circuit = self.circuit(port_id)
        return Port(
            port_id=port_id,
            name=config.name,
            direction=config.direction,
            normal_state=config.normal_state,
            is_configurable=config.is_configurable,
            is_active=is_active(circuit, config.normal_state),
            circuit=circuit,
            is_supervised=config.is_supervised,
            debounce_ms=config.debounce_ms,
            is_tampered=self.is_tampered(port_id),
            holders=sorted(self.demands[port_id].holders),
        )

    def state_events(self, port_id: int, edge_ns: int) -> list[Event]:
        """The events that tell a port's whole state: changed, and tampered when supervised."""
        return self._events(port_id, edge_ns, is_tamper_moved=True)

    def record(self, port_id: int, raw: Circuit, edge_ns: int) -> list[Event]:
        """Store a port's new electrical state; the events it causes, if any."""
        before = self.circuit(port_id)
        self.raw[port_id] = raw
        after = self.circuit(port_id)
        if before == after:
            return []
        # Open <-> closed on a supervised input: the tamper state did not move.
        is_tamper_moved = before in TAMPER_CIRCUITS or after in TAMPER_CIRCUITS
        return self._events(port_id, edge_ns, is_tamper_moved=is_tamper_moved)

    def _events(self, port_id: int, edge_ns: int, *, is_tamper_moved: bool) -> list[Event]:
        """Built from the port's state, not from its :meth:`view` (each edge and change asks)."""
        config = self.configs[port_id]
        circuit = self.circuit(port_id)
        events: list[Event] = [
            PortChanged(
                port_id=port_id,
                direction=config.direction,
                is_active=is_active(circuit, config.normal_state),
                circuit=circuit,
                edge_ns=edge_ns,
            )
        ]
        if config.is_supervised and is_tamper_moved:
            is_tampered = circuit in TAMPER_CIRCUITS
            events.append(PortTampered(port_id=port_id, is_tampered=is_tampered, circuit=circuit))
        return events

    def apply(self, config: PortConfig) -> None:
        """Take a new configuration: every output demand goes back to normal (the manual)."""
        self.configs[config.port_id] = config
        for demand in self.demands.values():
            demand.base_active = False
            demand.holders.clear()
            demand.pulse_active = None
