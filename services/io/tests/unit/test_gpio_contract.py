"""One behaviour for both GPIO adapters: the simulator and periphery on a faked chip."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio

from actkit_io.adapters.periphery import PeripheryGpio
from actkit_io.adapters.sim import SimGpio
from actkit_io.domain.profile import BoardProfile, LineSpec
from actkit_io.ports import Edge, GpioPort, Switch, SwitchEdge
from actkit_proto.io import Circuit, Direction, LedColour

from ..conftest import BOARDS, ManualTimers
from ..fake_gpiochip import FakeChips

DEBOUNCE_MS = 50


@dataclass
class Rig:
    """A GPIO adapter and the wiring around it, whichever the adapter."""

    gpio: GpioPort
    timers: ManualTimers
    seen: list[Edge | SwitchEdge] = field(default_factory=list)
    sim: SimGpio | None = None
    chips: FakeChips | None = None
    profile: BoardProfile | None = None

    def drive(self, port_id: int, circuit: Circuit) -> None:
        if self.sim is not None:
            self.sim.drive(port_id, circuit)
            return
        assert self.profile is not None
        port = self.profile.ports()[port_id]
        self._set(port.line, circuit in (Circuit.CLOSED, Circuit.SHORT))
        if port.supervision is not None:
            self._set(port.supervision, circuit in (Circuit.CUT, Circuit.SHORT))

    def switch(self, switch: Switch, is_on: bool) -> None:
        if self.sim is not None:
            self.sim.switch(switch, is_on)
            return
        assert self.profile is not None
        spec = self.profile.button if switch is Switch.BUTTON else self.profile.ignition
        self._set(spec, is_on)

    def is_high(self, port_id: int) -> bool:
        """The output line's logical level."""
        if self.sim is not None:
            return self.sim.line(port_id).circuit is Circuit.CLOSED
        assert self.profile is not None
        return self._get(self.profile.ports()[port_id].line)

    def led(self) -> LedColour:
        if self.sim is not None:
            return self.sim.led()
        assert self.profile is not None
        red, green = self._get(self.profile.led.red), self._get(self.profile.led.green)
        return {
            (False, False): LedColour.OFF,
            (True, False): LedColour.RED,
            (False, True): LedColour.GREEN,
            (True, True): LedColour.AMBER,
        }[(red, green)]

    async def settle(self) -> None:
        """Let the adapter read every pending line event, then let debounce time pass."""
        for _ in range(1000):
            if self.chips is None or not self.chips.pending_fds():
                break
            await asyncio.sleep(0)
        await self.timers.advance(DEBOUNCE_MS)
        for _ in range(5):
            await asyncio.sleep(0)

    def _set(self, spec: LineSpec, logical: bool) -> None:
        assert self.chips is not None and isinstance(spec.line, int)
        self.chips.set_level(spec.chip, spec.line, logical ^ spec.active_low)

    def _get(self, spec: LineSpec) -> bool:
        assert self.chips is not None and isinstance(spec.line, int)
        return self.chips.level(spec.chip, spec.line) ^ spec.active_low


@pytest_asyncio.fixture(params=["sim", "periphery"])
async def rig(
    request: pytest.FixtureRequest, chips: FakeChips, tmp_path: Path, timers: ManualTimers
) -> AsyncIterator[Rig]:
    if request.param == "sim":
        sim = SimGpio()
        built = Rig(sim, timers, sim=sim)
    else:
        profile = chips.profile(BOARDS / "w401.toml", tmp_path)
        chips.unconnect(profile)
        built = Rig(PeripheryGpio(profile, timers), timers, chips=chips, profile=profile)
    for port_id in range(1, 9):
        await built.gpio.configure(port_id, Direction.INPUT, DEBOUNCE_MS)
    await built.gpio.configure(9, Direction.OUTPUT, DEBOUNCE_MS)

    async def collect() -> None:
        async for edge in built.gpio.edges():
            built.seen.append(edge)

    collector = asyncio.create_task(collect())
    yield built
    collector.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await collector
    await built.gpio.close()


def _edges(rig: Rig) -> list[tuple[int | Switch, Circuit | bool]]:
    return [
        (e.port_id, e.circuit) if isinstance(e, Edge) else (e.switch, e.is_on) for e in rig.seen
    ]


async def test_an_unconnected_input_reads_open(rig: Rig) -> None:
    assert await rig.gpio.read(1) is Circuit.OPEN


async def test_closing_an_input_gives_one_edge(rig: Rig) -> None:
    rig.drive(1, Circuit.CLOSED)
    await rig.settle()
    assert _edges(rig) == [(1, Circuit.CLOSED)]
    assert await rig.gpio.read(1) is Circuit.CLOSED
    rig.drive(1, Circuit.OPEN)
    await rig.settle()
    assert _edges(rig) == [(1, Circuit.CLOSED), (1, Circuit.OPEN)]


@pytest.mark.parametrize("fault", [Circuit.CUT, Circuit.SHORT])
async def test_a_supervised_loop_reads_cut_and_short(rig: Rig, fault: Circuit) -> None:
    rig.drive(3, fault)
    await rig.settle()
    assert await rig.gpio.read(3) is fault
    rig.drive(3, Circuit.OPEN)
    await rig.settle()
    assert _edges(rig) == [(3, fault), (3, Circuit.OPEN)]


async def test_an_output_starts_open_and_closes_when_written(rig: Rig) -> None:
    assert not rig.is_high(9)
    await rig.gpio.write(9, Circuit.CLOSED)
    assert rig.is_high(9)
    assert await rig.gpio.read(9) is Circuit.CLOSED
    await rig.gpio.write(9, Circuit.OPEN)
    assert not rig.is_high(9)
    await rig.settle()
    assert rig.seen == []


async def test_a_port_made_output_is_driven_and_gives_no_edges(rig: Rig) -> None:
    await rig.gpio.configure(2, Direction.OUTPUT, DEBOUNCE_MS)
    assert not rig.is_high(2)
    await rig.gpio.write(2, Circuit.CLOSED)
    assert rig.is_high(2)
    await rig.settle()
    assert rig.seen == []


async def test_the_button_and_the_ignition_give_switch_edges(rig: Rig) -> None:
    assert not await rig.gpio.is_on(Switch.IGNITION)
    rig.switch(Switch.IGNITION, True)
    rig.switch(Switch.BUTTON, True)
    await rig.settle()
    rig.switch(Switch.BUTTON, False)
    await rig.settle()
    assert sorted(_edges(rig)[:2]) == [(Switch.BUTTON, True), (Switch.IGNITION, True)]
    assert _edges(rig)[2:] == [(Switch.BUTTON, False)]
    assert await rig.gpio.is_on(Switch.IGNITION)


@pytest.mark.parametrize("colour", list(LedColour))
async def test_the_led_shows_each_colour(rig: Rig, colour: LedColour) -> None:
    await rig.gpio.show(colour)
    assert rig.led() is colour
