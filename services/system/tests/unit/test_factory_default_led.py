"""A factory default shows on the status LED, asked for with the control button or a command:
amber while the services restore, then green, or red flashes when one could not."""

from collections.abc import Awaitable, Callable

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Ack, Unavailable
from actkit_proto.io import LedColour, LedPattern, ResetRequested, SetLed
from actkit_proto.params import RestoreSettings
from actkit_proto.system import FactoryDefault
from actkit_system.adapters.sim import SimPower
from actkit_system.handlers import Deps

Step = tuple[str, str]
Ask = Callable[[FakeBus], Awaitable[None]]
AMBER = ("led", f"{LedColour.AMBER} {LedPattern.STEADY}")
GREEN = ("led", f"{LedColour.GREEN} {LedPattern.STEADY}")
RED = ("led", f"{LedColour.RED} {LedPattern.FLASH}")


@pytest.fixture
def steps(fake_bus: FakeBus, deps: Deps, power: SimPower) -> list[Step]:
    """What happens, in order: each service's restore, the LED, the restart."""
    happened: list[Step] = []

    async def restore(command: RestoreSettings) -> Ack:
        happened.append(("restored", command.service))
        return Ack()

    async def show(command: SetLed) -> Ack:
        happened.extend(("restart", reason) for _, reason in power.requests)
        happened.append(("led", f"{command.colour} {command.pattern}"))
        return Ack()

    fake_bus.answer(RestoreSettings, restore)
    fake_bus.answer(SetLed, show)
    return happened


async def _from_button(fake_bus: FakeBus) -> None:
    await fake_bus.publish(ResetRequested())


async def _from_a_command(fake_bus: FakeBus) -> None:
    """The maintenance page, REST and VAPIX all send this command."""
    await fake_bus.request(FactoryDefault())


ASKED = pytest.mark.parametrize("ask", [_from_button, _from_a_command], ids=["button", "command"])


@ASKED
async def test_the_led_is_amber_while_restoring_and_green_once_every_service_is_reset(
    fake_bus: FakeBus, deps: Deps, steps: list[Step], power: SimPower, ask: Ask
) -> None:
    await ask(fake_bus)
    first, *restores, shown = steps
    assert first == AMBER
    assert sorted(restores) == sorted(("restored", name) for name in deps.settings_owners)
    assert shown == GREEN
    assert power.requests == [("restart", "factory_default")]


@ASKED
async def test_a_service_that_could_not_be_reset_flashes_the_led_red(
    fake_bus: FakeBus, steps: list[Step], ask: Ask
) -> None:
    async def refuse(command: RestoreSettings) -> Ack:
        if command.service == "events":
            raise Unavailable("nobody answers events.settings.restore: is events running?")
        return Ack()

    fake_bus.answer(RestoreSettings, refuse)
    await ask(fake_bus)
    assert steps == [AMBER, RED]


@ASKED
async def test_an_led_nobody_drives_does_not_stop_the_reset(
    fake_bus: FakeBus,
    deps: Deps,
    power: SimPower,
    caplog: pytest.LogCaptureFixture,
    ask: Ask,
) -> None:
    async def restore(_command: RestoreSettings) -> Ack:
        return Ack()

    fake_bus.answer(RestoreSettings, restore)  # and nobody answers io.led.set
    await ask(fake_bus)
    assert power.requests == [("restart", "factory_default")]
    assert "could not show its start on the status LED" in caplog.text
    assert "could not show its end on the status LED" in caplog.text
