"""Pure logic of the I/O ports: configuration, state, and the rules the manual sets for them."""

from __future__ import annotations

from dataclasses import dataclass

from actkit_proto.errors import Invalid, NotFound
from actkit_proto.io import Circuit, Direction, Port


@dataclass(frozen=True)
class PortConfig:
    """How a port is set up; persisted by the store."""

    port_id: int
    name: str
    direction: Direction
    normal_state: Circuit = Circuit.OPEN
    is_configurable: bool = True


def default_ports() -> list[PortConfig]:
    """The W401 connector: ports 1-8 configurable digital I/O, port 9 the relay output."""
    ports = [PortConfig(n, f"Port {n}", Direction.INPUT) for n in range(1, 9)]
    ports.append(PortConfig(9, "Relay", Direction.OUTPUT, is_configurable=False))
    return ports


def is_active(circuit: Circuit, normal_state: Circuit) -> bool:
    """A port is active when its circuit differs from its normal state (cut/short are tamper)."""
    if circuit in (Circuit.CUT, Circuit.SHORT):
        return False
    return circuit != normal_state


def output_circuit(config: PortConfig, want_active: bool) -> Circuit:
    """The circuit state an output must take to be active or inactive."""
    if config.direction is not Direction.OUTPUT:
        raise Invalid(f"port {config.port_id} is an input; only outputs can be set")
    opposite = Circuit.CLOSED if config.normal_state is Circuit.OPEN else Circuit.OPEN
    return opposite if want_active else config.normal_state


@dataclass
class Board:
    """Every port's configuration and current circuit, kept in memory while the service runs."""

    configs: dict[int, PortConfig]
    circuits: dict[int, Circuit]

    @classmethod
    def from_configs(cls, configs: list[PortConfig]) -> Board:
        """A board whose ports all start in their normal state (outputs open, inputs unread)."""
        return cls({c.port_id: c for c in configs}, {c.port_id: c.normal_state for c in configs})

    def config(self, port_id: int) -> PortConfig:
        """The configuration of ``port_id``.

        Raises:
            NotFound: the board has no such port.
        """
        try:
            return self.configs[port_id]
        except KeyError:
            raise NotFound(f"there is no port {port_id}; ports are 1-{max(self.configs)}") from None

    def record(self, port_id: int, circuit: Circuit) -> bool:
        """Store a port's new circuit; True when it changed."""
        self.config(port_id)
        changed = self.circuits.get(port_id) != circuit
        self.circuits[port_id] = circuit
        return changed

    def view(self, port_id: int) -> Port:
        """The port as the bus shows it."""
        config = self.config(port_id)
        circuit = self.circuits[port_id]
        return Port(
            port_id=port_id,
            name=config.name,
            direction=config.direction,
            normal_state=config.normal_state,
            is_configurable=config.is_configurable,
            is_active=is_active(circuit, config.normal_state),
            circuit=circuit,
        )
