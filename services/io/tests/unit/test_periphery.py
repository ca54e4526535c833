"""What only the periphery adapter does: polarity, names, software debounce, the service."""

import asyncio
import contextlib
from pathlib import Path

import pytest

from actkit_core.db import open_db
from actkit_core.lifecycle import Runtime
from actkit_core.testing.fake_bus import FakeBus
from actkit_io.adapters.periphery import PeripheryGpio
from actkit_io.handlers import HANDLERS
from actkit_io.main import build_deps
from actkit_io.ports import Edge, HardwareError
from actkit_io.settings import IoSettings
from actkit_proto import Unavailable
from actkit_proto.io import Circuit, Direction, GetPort, PortChanged, SetPort

from ..conftest import BOARDS, ManualTimers
from ..fake_gpiochip import FakeChips


async def _read_events(chips: FakeChips) -> None:
    for _ in range(1000):
        if not chips.pending_fds():
            return
        await asyncio.sleep(0)


async def test_a_closed_w401_input_pulls_its_line_low(
    chips: FakeChips, tmp_path: Path, timers: ManualTimers
) -> None:
    profile = chips.profile(BOARDS / "w401.toml", tmp_path)
    chips.unconnect(profile)
    gpio = PeripheryGpio(profile, timers)
    await gpio.configure(1, Direction.INPUT, 0)
    line = profile.ports()[1].line
    assert isinstance(line.line, int)
    assert chips.level(line.chip, line.line) is True  # pulled up: open
    chips.set_level(line.chip, line.line, False)
    assert await gpio.read(1) is Circuit.CLOSED
    await gpio.close()


async def test_a_bounce_shorter_than_the_debounce_gives_no_edge(
    chips: FakeChips, tmp_path: Path, timers: ManualTimers
) -> None:
    profile = chips.profile(BOARDS / "w401.toml", tmp_path)
    chips.unconnect(profile)
    gpio = PeripheryGpio(profile, timers)
    await gpio.configure(1, Direction.INPUT, 50)
    edges = gpio.edges()
    line = profile.ports()[1].line
    assert isinstance(line.line, int)
    for level in (False, True, False, True):
        chips.set_level(line.chip, line.line, level)
        await _read_events(chips)
        await timers.advance(10)
    await timers.advance(50)
    chips.set_level(line.chip, line.line, False)
    await _read_events(chips)
    await timers.advance(49)
    assert gpio._edges.empty()
    await timers.advance(1)
    edge = await anext(edges)
    assert isinstance(edge, Edge) and edge.circuit is Circuit.CLOSED
    assert gpio._edges.empty()
    await gpio.close()


async def test_lines_named_in_the_profile_are_found_by_name(
    chips: FakeChips, tmp_path: Path, timers: ManualTimers
) -> None:
    chips.names.update({17: "GPIO17", 27: "GPIO27", 22: "GPIO22", 23: "GPIO23"})
    chips.names.update({5: "GPIO5", 6: "GPIO6", 24: "GPIO24", 25: "GPIO25"})
    profile = chips.profile(BOARDS / "devboard.toml", tmp_path)
    gpio = PeripheryGpio(profile, timers)
    await gpio.configure(2, Direction.OUTPUT, 0)
    await gpio.write(2, Circuit.CLOSED)
    assert chips.level(chips.chip("gpiochip0"), 27) is True
    await gpio.close()


async def test_the_service_runs_on_the_periphery_adapter(
    chips: FakeChips,
    tmp_path: Path,
    tmp_db,
    fake_bus: FakeBus,
    timers: ManualTimers,  # type: ignore[no-untyped-def]
) -> None:
    profile = chips.profile(BOARDS / "w401.toml", tmp_path)
    chips.unconnect(profile)
    settings = IoSettings(
        db_path=tmp_db("actkit_io:migrations"), board=tmp_path / "w401.toml", adapter="periphery"
    )
    async with contextlib.AsyncExitStack() as stack:
        sessions = await stack.enter_async_context(open_db(settings.database))
        deps = await stack.enter_async_context(
            build_deps(settings, Runtime(fake_bus, sessions), timers)  # type: ignore[arg-type]
        )
        await fake_bus.serve(HANDLERS, deps)
        fake_bus.published.clear()
        await fake_bus.request(SetPort(port_id=9, is_active=True))
        relay = profile.ports()[9].line
        assert isinstance(relay.line, int)
        assert chips.level(relay.chip, relay.line) is True
        sense = profile.ports()[1].line
        assert isinstance(sense.line, int)
        chips.set_level(sense.chip, sense.line, False)
        await _read_events(chips)
        await timers.advance(50)
        for _ in range(5):
            await asyncio.sleep(0)
    changed = [e for e in fake_bus.published if isinstance(e, PortChanged)]
    assert [(e.port_id, e.is_active) for e in changed] == [(9, True), (1, True)]


async def test_a_missing_chip_is_a_hardware_error_naming_the_line(
    chips: FakeChips, tmp_path: Path, timers: ManualTimers
) -> None:
    profile = chips.profile(BOARDS / "w401.toml", tmp_path)
    Path(profile.button.chip).unlink()
    with pytest.raises(HardwareError, match=r"actkit button: cannot open .*gpiochip0 line 17: "):
        PeripheryGpio(profile, timers)


async def test_a_line_that_fails_to_switch_answers_unavailable(
    chips: FakeChips,
    tmp_path: Path,
    tmp_db,
    fake_bus: FakeBus,
    timers: ManualTimers,  # type: ignore[no-untyped-def]
) -> None:
    profile = chips.profile(BOARDS / "w401.toml", tmp_path)
    chips.unconnect(profile)
    settings = IoSettings(
        db_path=tmp_db("actkit_io:migrations"), board=tmp_path / "w401.toml", adapter="periphery"
    )
    async with contextlib.AsyncExitStack() as stack:
        sessions = await stack.enter_async_context(open_db(settings.database))
        deps = await stack.enter_async_context(
            build_deps(settings, Runtime(fake_bus, sessions), timers)  # type: ignore[arg-type]
        )
        await fake_bus.serve(HANDLERS, deps)
        relay = profile.ports()[9].line
        assert isinstance(relay.line, int)
        chips.broken.add((relay.chip, relay.line))
        with pytest.raises(
            Unavailable, match=r"port 9: cannot drive its line: .*Input/output error"
        ):
            await fake_bus.request(SetPort(port_id=9, is_active=True))
        assert not (await fake_bus.request(GetPort(port_id=9))).is_active
