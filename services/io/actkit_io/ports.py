"""The hardware the io service drives, as interfaces; adapters/ implements them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from actkit_proto.io import Circuit


@dataclass(frozen=True)
class Edge:
    """A port's circuit changed at monotonic time ``at_ns``."""

    port_id: int
    circuit: Circuit
    at_ns: int


class GpioPort(Protocol):
    """The I/O lines behind the connector's ports."""

    async def read(self, port_id: int) -> Circuit:
        """The port's circuit now."""

    async def write(self, port_id: int, circuit: Circuit) -> None:
        """Drive an output's circuit open or closed."""

    def edges(self) -> AsyncIterator[Edge]:
        """Every change of an input's circuit, debounced, as it happens."""


class Simulator(Protocol):
    """Scripted wiring for a simulated board (``sim.io.*`` on the bus)."""

    def drive(self, port_id: int, circuit: Circuit) -> None:
        """Put a simulated input's circuit in a state, as wiring would."""
