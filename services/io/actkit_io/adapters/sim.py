"""The simulated board: inputs driven by commands, outputs remembered, edges like real ones."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from actkit_io.ports import Edge, HardwareError, LineView, Switch, SwitchEdge
from actkit_proto.io import Circuit, Direction, LedColour

MAX_PENDING_EDGES = 10_000
"""Edges waiting to be reported at most: a driver faster than that is refused, not queued."""


class SimGpio:
    """In-memory GPIO. Every line starts open, as an unconnected input reads.

    An edge is produced only by a change of an input, as the real adapter does:

    >>> import asyncio
    >>> sim = SimGpio()
    >>> asyncio.run(sim.configure(1, Direction.INPUT, debounce_ms=50))
    >>> sim.drive(1, Circuit.CLOSED)
    >>> sim.drive(1, Circuit.CLOSED)
    >>> asyncio.run(sim.read(1)), sim.pending_edges()
    (<Circuit.CLOSED: 'closed'>, 1)
    """

    def __init__(self, max_pending_edges: int = MAX_PENDING_EDGES) -> None:
        self._max_pending_edges = max_pending_edges
        self._circuits: dict[int, Circuit] = {}
        self._directions: dict[int, Direction] = {}
        self._writes: dict[int, list[Circuit]] = {}
        self._switches = dict.fromkeys(Switch, False)
        self._led = LedColour.OFF
        self._edges: asyncio.Queue[Edge | SwitchEdge] = asyncio.Queue()

    async def configure(self, port_id: int, direction: Direction, debounce_ms: int) -> None:  # noqa: ARG002
        """Set a line's direction; an output starts open. Debounce is moot: sim edges are clean."""
        self._directions[port_id] = direction
        if direction is Direction.OUTPUT:
            await self.write(port_id, Circuit.OPEN)

    def drive(self, port_id: int, circuit: Circuit) -> None:
        """Set an input's circuit; a change produces an edge.

        Raises:
            HardwareError: ``max_pending_edges`` edges wait already; nothing changed.
        """
        if self._circuits.get(port_id, Circuit.OPEN) == circuit:
            return
        self._refuse_when_full()
        self._circuits[port_id] = circuit
        if self._directions.get(port_id) is Direction.INPUT:
            self._edges.put_nowait(Edge(port_id, circuit, time.monotonic_ns()))

    def switch(self, switch: Switch, is_on: bool) -> None:
        """Press or release the button, switch the ignition; a change produces an edge."""
        if self._switches[switch] == is_on:
            return
        self._refuse_when_full()
        self._switches[switch] = is_on
        self._edges.put_nowait(SwitchEdge(switch, is_on, time.monotonic_ns()))

    def _refuse_when_full(self) -> None:
        if self._edges.qsize() >= self._max_pending_edges:
            raise HardwareError(
                f"{self._edges.qsize()} simulated edges wait to be reported; drive slower"
            )

    def line(self, port_id: int) -> LineView:
        """A port's line as the wiring sees it."""
        circuit = self._circuits.get(port_id, Circuit.OPEN)
        return LineView(circuit, list(self._writes.get(port_id, [])))

    def led(self) -> LedColour:
        """The colour the status LED shows."""
        return self._led

    def pending_edges(self) -> int:
        """Edges produced but not yet taken by :meth:`edges`."""
        return self._edges.qsize()

    async def read(self, port_id: int) -> Circuit:
        """The line's circuit."""
        return self._circuits.get(port_id, Circuit.OPEN)

    async def write(self, port_id: int, circuit: Circuit) -> None:
        """Drive an output; outputs produce no input edge."""
        self._circuits[port_id] = circuit
        self._writes.setdefault(port_id, []).append(circuit)

    async def is_on(self, switch: Switch) -> bool:
        """Whether the button is pressed or the ignition on."""
        return self._switches[switch]

    async def show(self, colour: LedColour) -> None:
        """Light the LED."""
        self._led = colour

    async def edges(self) -> AsyncIterator[Edge | SwitchEdge]:
        """Edges of driven inputs and switches, in order."""
        while True:
            yield await self._edges.get()

    async def close(self) -> None:
        """Nothing to release."""
