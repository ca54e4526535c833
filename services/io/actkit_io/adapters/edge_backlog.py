"""The real board's edges waiting to be reported: bounded; a chattering line's old states give way.

Below the limit every edge waits, in order. At the limit the backlog is cut down to each line's
last transition: its newest edge, and the edge before it unless the line was last reported in that
state already; what is kept stays in order. So the newest state of every line is reported, the
last change into it is never dropped, and the backlog holds at most ``limit`` edges (or two per
line, on a board with more lines than half the limit). What was skipped is counted per line.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Callable

from actkit_io.metrics import EDGES_COALESCED
from actkit_io.ports import Edge, Switch, SwitchEdge
from actkit_proto.io import Circuit

EDGE_BACKLOG_LIMIT = 1024

Line = int | Switch
"""A port's id, or the button or the ignition."""

CountCoalesced = Callable[[Line, int], None]


def line_of(edge: Edge | SwitchEdge) -> Line:
    """The port or switch an edge is on."""
    return edge.port_id if isinstance(edge, Edge) else edge.switch


def state_of(edge: Edge | SwitchEdge) -> Circuit | bool:
    """The state the line went to."""
    return edge.circuit if isinstance(edge, Edge) else edge.is_on


def count_coalesced(line: Line, count: int) -> None:
    """Add edges skipped for a newer state of ``line`` to the io metrics."""
    EDGES_COALESCED.labels(str(line)).inc(count)


class EdgeBacklog:
    """Edges waiting for one reader, oldest first, bounded as the module says.

    >>> backlog = EdgeBacklog(limit=4, count=lambda line, count: None)
    >>> for index in range(5):
    ...     backlog.put(Edge(1, (Circuit.CLOSED, Circuit.OPEN)[index % 2], index))
    >>> [(edge.circuit.value, edge.at_ns) for edge in backlog.waiting()]
    [('closed', 2), ('open', 3), ('closed', 4)]
    """

    def __init__(
        self, limit: int = EDGE_BACKLOG_LIMIT, count: CountCoalesced = count_coalesced
    ) -> None:
        self._limit = limit
        self._count = count
        self._edges: deque[Edge | SwitchEdge] = deque()
        self._reported: dict[Line, Circuit | bool] = {}
        self._arrived = asyncio.Event()

    def __len__(self) -> int:
        return len(self._edges)

    def empty(self) -> bool:
        """Whether no edge waits."""
        return not self._edges

    def waiting(self) -> list[Edge | SwitchEdge]:
        """The edges waiting, oldest first."""
        return list(self._edges)

    def put(self, edge: Edge | SwitchEdge) -> None:
        """Add an edge; at the limit, cut the backlog down first. Never refuses one."""
        if len(self._edges) >= self._limit:
            self._cut_down()
        self._edges.append(edge)
        self._arrived.set()

    async def get(self) -> Edge | SwitchEdge:
        """The oldest edge waiting, once there is one."""
        while not self._edges:
            self._arrived.clear()
            await self._arrived.wait()
        edge = self._edges.popleft()
        self._reported[line_of(edge)] = state_of(edge)
        return edge

    def _cut_down(self) -> None:
        kept: list[Edge | SwitchEdge] = []
        newer: Counter[Line] = Counter()
        skipped: Counter[Line] = Counter()
        for edge in reversed(self._edges):
            line = line_of(edge)
            newer[line] += 1
            # The edge before the newest is the last change unless the reader has that state.
            is_last_change = newer[line] == 2 and state_of(edge) != self._reported.get(line)
            if newer[line] == 1 or is_last_change:
                kept.append(edge)
            else:
                skipped[line] += 1
        self._edges = deque(reversed(kept))
        for line, count in skipped.items():
            self._count(line, count)
