"""Rules io carries out itself: held on the input's edge, kept across restarts, set whole."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from actkit_core.db import open_db
from actkit_core.lifecycle import Runtime
from actkit_core.testing.fake_bus import FakeBus
from actkit_io.adapters.sim import SimGpio
from actkit_io.handlers import HANDLERS, Deps
from actkit_io.main import build_deps
from actkit_io.settings import IoSettings
from actkit_proto import Invalid
from actkit_proto.io import (
    Circuit,
    ConfigurePort,
    Direction,
    DriveInput,
    GetPort,
    PortChanged,
    Reflex,
    ReflexesChanged,
    SetPort,
    SetReflexes,
)

from ..conftest import ManualTimers

LIGHTBAR = Reflex(rule_id=5, input_port_id=1, output_port_id=9)


async def _drive(fake_bus: FakeBus, port_id: int, circuit: Circuit) -> list[tuple[int, bool]]:
    """Drive a simulated input; the ports whose change was published, in order, and how."""
    fake_bus.published.clear()
    await fake_bus.request(DriveInput(port_id=port_id, circuit=circuit))
    for _ in range(10):  # the input watcher is a task of its own: give it turns of the loop
        await asyncio.sleep(0)
    return [(e.port_id, e.is_active) for e in fake_bus.published if isinstance(e, PortChanged)]


async def test_an_input_edge_holds_the_output_after_telling_the_input(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(SetReflexes(reflexes=[LIGHTBAR]))
    assert await _drive(fake_bus, 1, Circuit.CLOSED) == [(1, True), (9, True)]
    assert (await fake_bus.request(GetPort(port_id=9))).holders == ["rule:5"]
    assert await _drive(fake_bus, 1, Circuit.OPEN) == [(1, False), (9, False)]
    assert (await fake_bus.request(GetPort(port_id=9))).holders == []


async def test_the_reflexes_followed_are_told_after_each_set_and_at_the_start(
    fake_bus: FakeBus, deps: Deps, settings: IoSettings, timers: ManualTimers
) -> None:
    await fake_bus.request(SetReflexes(reflexes=[LIGHTBAR]))
    told = [e for e in fake_bus.published if isinstance(e, ReflexesChanged)]
    assert told == [ReflexesChanged(reflexes=[LIGHTBAR])]
    async with _io(settings, timers, SimGpio()) as bus:
        assert ReflexesChanged(reflexes=[LIGHTBAR]) in bus.published


async def test_an_inverted_reflex_holds_its_output_inactive_over_a_set(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(SetPort(port_id=9, is_active=True))
    reflex = LIGHTBAR.model_copy(update={"is_inverted": True, "is_active": False})
    port = (await fake_bus.request(SetReflexes(reflexes=[reflex]))).reflexes
    assert port == [reflex]
    assert not (await fake_bus.request(GetPort(port_id=9))).is_active  # input 1 is inactive
    assert await _drive(fake_bus, 1, Circuit.CLOSED) == [(1, True), (9, True)]


async def test_a_new_list_holds_at_once_and_lets_go_of_what_left_it(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await _drive(fake_bus, 1, Circuit.CLOSED)
    await fake_bus.request(SetReflexes(reflexes=[LIGHTBAR]))
    assert (await fake_bus.request(GetPort(port_id=9))).is_active
    moved = LIGHTBAR.model_copy(update={"output_port_id": 8})
    await fake_bus.request(ConfigurePort(port_id=8, direction=Direction.OUTPUT))
    await fake_bus.request(SetReflexes(reflexes=[moved]))
    assert not (await fake_bus.request(GetPort(port_id=9))).is_active
    assert (await fake_bus.request(GetPort(port_id=8))).holders == ["rule:5"]
    await fake_bus.request(SetReflexes(reflexes=[]))
    assert not (await fake_bus.request(GetPort(port_id=8))).is_active


@pytest.mark.parametrize(
    ("reflexes", "said"),
    [
        ([LIGHTBAR.model_copy(update={"output_port_id": 12})], "rule 5: there is no port 12"),
        ([LIGHTBAR, LIGHTBAR], "rule 5 is listed twice"),
    ],
)
async def test_a_list_naming_what_is_not_there_is_refused_and_changes_nothing(
    fake_bus: FakeBus, deps: Deps, reflexes: list[Reflex], said: str
) -> None:
    await fake_bus.request(SetReflexes(reflexes=[LIGHTBAR]))
    with pytest.raises(Invalid, match=said):
        await fake_bus.request(SetReflexes(reflexes=reflexes))
    assert await _drive(fake_bus, 1, Circuit.CLOSED) == [(1, True), (9, True)]
    assert await deps.store.load_reflexes() == [LIGHTBAR]


async def test_a_reflex_on_a_port_configured_as_an_output_does_nothing(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(SetReflexes(reflexes=[LIGHTBAR]))
    await fake_bus.request(ConfigurePort(port_id=1, direction=Direction.OUTPUT))
    await fake_bus.request(SetPort(port_id=1, is_active=True))
    assert not (await fake_bus.request(GetPort(port_id=9))).is_active


@contextlib.asynccontextmanager
async def _io(
    settings: IoSettings, timers: ManualTimers, wiring: SimGpio
) -> AsyncIterator[FakeBus]:
    """A start of the io service on the test's database and the wiring given."""
    bus = FakeBus()
    async with open_db(settings.database) as sessions:
        runtime = Runtime(bus, sessions)  # type: ignore[arg-type]
        async with build_deps(settings, runtime, timers, wiring) as built:
            await bus.serve(HANDLERS, built)
            yield bus


async def test_a_restarted_io_holds_from_its_start_what_its_reflexes_want(
    settings: IoSettings, timers: ManualTimers
) -> None:
    async with _io(settings, timers, SimGpio()) as bus:
        await bus.request(SetReflexes(reflexes=[LIGHTBAR]))
    wiring = SimGpio()
    wiring.drive(1, Circuit.CLOSED)  # the lightbar is on while the device starts
    async with _io(settings, timers, wiring) as bus:
        lamp = await bus.request(GetPort(port_id=9))
        assert (lamp.is_active, lamp.holders) == (True, ["rule:5"])
        assert await _drive(bus, 1, Circuit.OPEN) == [(1, False), (9, False)]
