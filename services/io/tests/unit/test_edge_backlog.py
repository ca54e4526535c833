"""The real board's edge backlog: bounded, the newest state of each line reported, the last change
into it never dropped, what was skipped counted."""

import asyncio
import random
from collections import Counter
from pathlib import Path

from prometheus_client import REGISTRY

from actkit_io.adapters.edge_backlog import EdgeBacklog, Line, line_of, state_of
from actkit_io.adapters.periphery import PeripheryGpio
from actkit_io.ports import Edge, Switch, SwitchEdge
from actkit_proto.io import Circuit, Direction

from ..conftest import BOARDS, ManualTimers
from ..fake_gpiochip import FakeChips

TOGGLE = (Circuit.CLOSED, Circuit.OPEN)


def _backlog(limit: int) -> tuple[EdgeBacklog, Counter[Line]]:
    coalesced: Counter[Line] = Counter()

    def count(line: Line, skipped: int) -> None:
        coalesced[line] += skipped

    return EdgeBacklog(limit, count), coalesced


async def _take_all(backlog: EdgeBacklog) -> list[Edge | SwitchEdge]:
    return [await backlog.get() for _ in range(len(backlog))]


def _states(edges: list[Edge | SwitchEdge]) -> list[tuple[Line, Circuit | bool]]:
    return [(line_of(edge), state_of(edge)) for edge in edges]


async def test_below_the_limit_every_edge_is_reported_in_order() -> None:
    backlog, coalesced = _backlog(limit=8)
    edges: list[Edge | SwitchEdge] = [
        Edge(1, Circuit.CLOSED, 1),
        SwitchEdge(Switch.IGNITION, True, 2),
        Edge(1, Circuit.OPEN, 3),
        Edge(2, Circuit.CUT, 4),
    ]
    for edge in edges:
        backlog.put(edge)
    assert await _take_all(backlog) == edges
    assert coalesced == Counter()


async def test_at_the_limit_a_chattering_line_keeps_its_last_change_and_others_keep_theirs() -> (
    None
):
    backlog, coalesced = _backlog(limit=6)
    backlog.put(Edge(2, Circuit.CLOSED, 0))
    for index in range(5):
        backlog.put(Edge(1, TOGGLE[index % 2], index + 1))
    backlog.put(SwitchEdge(Switch.BUTTON, True, 6))
    assert _states(await _take_all(backlog)) == [
        (2, Circuit.CLOSED),
        (1, Circuit.OPEN),
        (1, Circuit.CLOSED),
        (Switch.BUTTON, True),
    ]
    assert coalesced == Counter({1: 3})


async def test_a_line_reported_in_the_state_before_its_newest_keeps_only_the_newest() -> None:
    backlog, coalesced = _backlog(limit=4)
    backlog.put(Edge(1, Circuit.CLOSED, 0))
    assert state_of(await backlog.get()) is Circuit.CLOSED
    for index, circuit in enumerate((Circuit.OPEN, Circuit.SHORT, Circuit.CLOSED, Circuit.OPEN)):
        backlog.put(Edge(1, circuit, index + 1))
    backlog.put(Edge(1, Circuit.CUT, 5))
    # At the limit the last change into open is closed -> open, and the reader has closed.
    assert _states(await _take_all(backlog)) == [(1, Circuit.OPEN), (1, Circuit.CUT)]
    assert coalesced == Counter({1: 3})


async def test_a_flood_on_every_line_stays_bounded_and_ends_in_each_lines_newest_state() -> None:
    backlog, coalesced = _backlog(limit=64)
    rng = random.Random(28)
    lines: list[Line] = [*range(1, 9), Switch.BUTTON, Switch.IGNITION]
    state: dict[Line, Circuit | bool] = {}
    reported: dict[Line, Circuit | bool] = {}
    history: list[tuple[Line, Circuit | bool]] = []
    produced = taken = largest = 0
    for at_ns in range(20_000):
        line = rng.choice(lines)
        new: Circuit | bool
        if isinstance(line, Switch):
            new = not state.get(line, False)
            backlog.put(SwitchEdge(line, new, at_ns))
        else:
            new = rng.choice([c for c in Circuit if c is not state.get(line, Circuit.OPEN)])
            backlog.put(Edge(line, new, at_ns))
        state[line] = new
        produced += 1
        largest = max(largest, len(backlog))
        if rng.random() < 0.1:  # a reader far slower than the wire
            edge = await backlog.get()
            history.append((line_of(edge), state_of(edge)))
            taken += 1
    for edge in await _take_all(backlog):
        history.append((line_of(edge), state_of(edge)))
        taken += 1
    for line, seen in history:
        assert reported.get(line) != seen, f"{line} reported {seen} twice in a row"
        reported[line] = seen
    assert largest <= 64
    assert reported == state
    assert taken + sum(coalesced.values()) == produced
    assert taken < produced / 2


async def test_the_periphery_adapter_reports_a_chattering_input_within_its_limit(
    chips: FakeChips, tmp_path: Path, timers: ManualTimers
) -> None:
    profile = chips.profile(BOARDS / "w401.toml", tmp_path)
    chips.unconnect(profile)
    gpio = PeripheryGpio(profile, timers, edge_limit=8)
    before = REGISTRY.get_sample_value("actkit_io_edges_coalesced_total", {"port": "1"}) or 0.0
    try:
        for port_id in (1, 2):
            await gpio.configure(port_id, Direction.INPUT, debounce_ms=0)
        sense = profile.ports()[1].line
        assert isinstance(sense.line, int)
        for index in range(200):
            is_closed = index % 2 == 0
            chips.set_level(sense.chip, sense.line, is_closed ^ sense.active_low)
            while chips.pending_fds():  # the adapter reads the line's event as the loop turns
                await asyncio.sleep(0)
        marker = profile.ports()[2].line
        assert isinstance(marker.line, int)
        chips.set_level(marker.chip, marker.line, not marker.active_low)
        while chips.pending_fds():
            await asyncio.sleep(0)
        seen: list[Edge | SwitchEdge] = []
        edges = gpio.edges()
        while not seen or line_of(seen[-1]) != 2:
            seen.append(await anext(edges))
        on_port_1 = [state_of(edge) for edge in seen if line_of(edge) == 1]
    finally:
        await gpio.close()
    after = REGISTRY.get_sample_value("actkit_io_edges_coalesced_total", {"port": "1"})
    assert len(on_port_1) <= 8
    assert on_port_1[-2:] == [Circuit.CLOSED, Circuit.OPEN]
    assert after == before + 200 - len(on_port_1)
