import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from actkit_core.db import open_db
from actkit_core.lifecycle import Runtime
from actkit_core.testing.fake_bus import FakeBus
from actkit_io.adapters.sim import SimGpio
from actkit_io.domain.button import ButtonOutcome, ControlButton
from actkit_io.handlers import HANDLERS, Deps
from actkit_io.main import build_deps
from actkit_io.ports import Switch
from actkit_io.settings import IoSettings
from actkit_proto.io import (
    ButtonPressed,
    GetLed,
    LedColour,
    LedPattern,
    LedShown,
    PressButton,
    ReadSimLed,
    ResetRequested,
    SetLed,
)

from ..conftest import ManualTimers

S = 1_000_000_000


async def _settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def _led(fake_bus: FakeBus) -> LedColour:
    return (await fake_bus.request(ReadSimLed())).colour


async def test_a_press_and_release_is_published_once(fake_bus: FakeBus, deps: Deps) -> None:
    await fake_bus.request(PressButton())
    await _settle()
    assert fake_bus.published == []
    await fake_bus.request(PressButton(is_pressed=False))
    await _settle()
    assert fake_bus.published == [ButtonPressed()]


@pytest.mark.parametrize(
    ("held_s", "outcome"),
    [
        (14.9, ButtonOutcome.RESET_ABANDONED),
        (15, ButtonOutcome.RESET_REQUESTED),
        (22, ButtonOutcome.RESET_REQUESTED),
        (30, ButtonOutcome.RESET_REQUESTED),
    ],
)
def test_releasing_a_power_on_hold_asks_for_a_reset_only_between_15_and_30_s(
    held_s: float, outcome: ButtonOutcome
) -> None:
    button = ControlButton.at_start(is_pressed=True, now_ns=0)
    assert button.change(is_pressed=False, now_ns=int(held_s * S)) is outcome


def test_a_power_on_hold_past_30_s_is_abandoned_and_its_release_means_nothing() -> None:
    button = ControlButton.at_start(is_pressed=True, now_ns=0)
    assert button.tick(15 * S) is ButtonOutcome.RESET_ARMED
    assert button.tick(20 * S) is None
    assert button.tick(31 * S) is ButtonOutcome.RESET_ABANDONED
    assert button.change(is_pressed=False, now_ns=40 * S) is None


@pytest_asyncio.fixture
async def held_at_power_on(
    fake_bus: FakeBus, settings: IoSettings, timers: ManualTimers
) -> AsyncIterator[Deps]:
    """The service started with the button already held down."""
    sim = SimGpio()
    sim.switch(Switch.BUTTON, True)
    async with contextlib.AsyncExitStack() as stack:
        sessions = await stack.enter_async_context(open_db(settings.database))
        runtime = Runtime(fake_bus, sessions)  # type: ignore[arg-type]
        built = await stack.enter_async_context(build_deps(settings, runtime, timers, sim))
        await fake_bus.serve(HANDLERS, built)
        fake_bus.published.clear()
        yield built


async def test_holding_the_button_from_power_on_flashes_amber_then_asks_for_a_reset(
    fake_bus: FakeBus, held_at_power_on: Deps, timers: ManualTimers
) -> None:
    assert await _led(fake_bus) is LedColour.GREEN
    await timers.advance(15_000)
    assert await _led(fake_bus) is LedColour.AMBER
    await timers.advance(250)
    assert await _led(fake_bus) is LedColour.OFF
    await timers.advance(250)
    assert await _led(fake_bus) is LedColour.AMBER
    await timers.advance(4_000)
    await fake_bus.request(PressButton(is_pressed=False))
    await _settle()
    assert fake_bus.published == [ResetRequested()]
    await timers.advance(20_000)
    assert fake_bus.published == [ResetRequested()]


async def test_after_the_release_the_led_shows_the_reset_working_until_told_it_is_done(
    fake_bus: FakeBus, held_at_power_on: Deps, timers: ManualTimers
) -> None:
    await timers.advance(20_000)
    await fake_bus.request(PressButton(is_pressed=False))
    await _settle()
    seen = set()
    for _ in range(20):  # steady: no flash, and not green before the reset is done
        await timers.advance(250)
        seen.add(await _led(fake_bus))
    assert seen == {LedColour.AMBER}
    await fake_bus.request(SetLed(colour=LedColour.GREEN))  # what the system service sends
    assert await _led(fake_bus) is LedColour.GREEN


async def test_holding_the_button_past_30_s_asks_for_nothing(
    fake_bus: FakeBus, held_at_power_on: Deps, timers: ManualTimers
) -> None:
    await timers.advance(31_000)
    assert await _led(fake_bus) is LedColour.GREEN
    await fake_bus.request(PressButton(is_pressed=False))
    await _settle()
    assert fake_bus.published == []


async def test_a_counted_flash_ends_on_its_final_colour(
    fake_bus: FakeBus, deps: Deps, timers: ManualTimers
) -> None:
    await fake_bus.request(
        SetLed(
            colour=LedColour.GREEN,
            pattern=LedPattern.FLASH,
            count=3,
            period_ms=400,
            then=LedColour.RED,
        )
    )
    seen = [await _led(fake_bus)]
    for _ in range(6):
        await timers.advance(200)
        seen.append(await _led(fake_bus))
    green, off, red = LedColour.GREEN, LedColour.OFF, LedColour.RED
    assert seen == [green, off, green, off, green, off, red]
    assert await fake_bus.request(GetLed()) == LedShown(colour=red)


async def test_the_led_answers_the_pattern_it_plays(
    fake_bus: FakeBus, deps: Deps, timers: ManualTimers
) -> None:
    await fake_bus.request(SetLed(colour=LedColour.AMBER, pattern=LedPattern.FLASH, count=5))
    await timers.advance(200)
    shown = await fake_bus.request(GetLed())
    assert shown == LedShown(colour=LedColour.AMBER, pattern=LedPattern.FLASH, count=5)


async def test_a_new_pattern_replaces_a_running_flash(
    fake_bus: FakeBus, deps: Deps, timers: ManualTimers
) -> None:
    await fake_bus.request(SetLed(colour=LedColour.AMBER, pattern=LedPattern.FLASH))
    await fake_bus.request(SetLed(colour=LedColour.RED))
    await timers.advance(5_000)
    assert await _led(fake_bus) is LedColour.RED
