"""The simulated board: inputs driven by commands, outputs remembered, edges like real ones."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from actkit_io.ports import Edge
from actkit_proto.io import Circuit


class SimGpio:
    """In-memory GPIO. Every line starts open, as an unconnected input reads.

    >>> import asyncio
    >>> sim = SimGpio()
    >>> sim.drive(1, Circuit.CLOSED)
    >>> asyncio.run(sim.read(1))
    <Circuit.CLOSED: 'closed'>
    """

    def __init__(self) -> None:
        self._circuits: dict[int, Circuit] = {}
        self._edges: asyncio.Queue[Edge] = asyncio.Queue()

    def drive(self, port_id: int, circuit: Circuit) -> None:
        """Set an input's circuit; a change produces an edge, as the real adapter would."""
        if self._circuits.get(port_id, Circuit.OPEN) == circuit:
            return
        self._circuits[port_id] = circuit
        self._edges.put_nowait(Edge(port_id, circuit, time.monotonic_ns()))

    async def read(self, port_id: int) -> Circuit:
        """The line's circuit."""
        return self._circuits.get(port_id, Circuit.OPEN)

    async def write(self, port_id: int, circuit: Circuit) -> None:
        """Drive an output; outputs produce no input edge."""
        self._circuits[port_id] = circuit

    async def edges(self) -> AsyncIterator[Edge]:
        """Edges of driven inputs, in order."""
        while True:
            yield await self._edges.get()
