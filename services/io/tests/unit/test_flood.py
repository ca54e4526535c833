"""A flood of input edges: every edge is published, the simulated board's backlog is bounded."""

import asyncio

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_io.adapters.sim import SimGpio
from actkit_io.handlers import Deps
from actkit_io.ports import HardwareError
from actkit_proto import Unavailable
from actkit_proto.io import (
    Circuit,
    Direction,
    DriveInput,
    PortChanged,
    PressButton,
    ReadSimLine,
    SwitchIgnition,
)


async def test_every_edge_of_a_flood_is_published_and_the_newest_kept(
    fake_bus: FakeBus, deps: Deps
) -> None:
    fake_bus.published.clear()
    for index in range(1000):
        circuit = Circuit.CLOSED if index % 2 == 0 else Circuit.OPEN
        await fake_bus.request(DriveInput(port_id=1, circuit=circuit))
    for _ in range(2000):  # the watcher's turns of the loop, not wall time
        await asyncio.sleep(0)
    changes = [e for e in fake_bus.published if isinstance(e, PortChanged) and e.port_id == 1]
    assert [e.is_active for e in changes] == [index % 2 == 0 for index in range(1000)]
    assert await fake_bus.current(PortChanged, port_id="1") == [changes[-1]]


async def test_a_driver_faster_than_the_edges_are_reported_is_refused() -> None:
    sim = SimGpio(max_pending_edges=2)
    await sim.configure(1, Direction.INPUT, debounce_ms=0)
    sim.drive(1, Circuit.CLOSED)
    sim.drive(1, Circuit.OPEN)
    with pytest.raises(HardwareError, match="2 simulated edges wait to be reported; drive slower"):
        sim.drive(1, Circuit.CLOSED)
    assert (await sim.read(1), sim.pending_edges()) == (Circuit.OPEN, 2)
    edges = sim.edges()
    await anext(edges)
    sim.drive(1, Circuit.CLOSED)
    assert sim.pending_edges() == 2


async def test_drive_input_says_why_it_refuses_and_changes_nothing(
    fake_bus: FakeBus, deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deps.simulator, "_max_pending_edges", 0)
    for command in (
        DriveInput(port_id=1, circuit=Circuit.CLOSED),
        PressButton(is_pressed=True),
        SwitchIgnition(is_on=True),
    ):
        with pytest.raises(Unavailable, match="edges wait to be reported; drive slower"):
            await fake_bus.request(command)
    line = await fake_bus.request(ReadSimLine(port_id=1))
    assert line.circuit is Circuit.OPEN
