"""A factory default from the control button shows its end on the status LED, not its start."""

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Ack, Unavailable
from actkit_proto.io import LedColour, LedPattern, ResetRequested, SetLed
from actkit_proto.params import RestoreSettings
from actkit_system.adapters.sim import SimPower
from actkit_system.handlers import Deps

Step = tuple[str, str]


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


async def test_the_led_turns_green_once_every_service_is_reset_then_the_device_restarts(
    fake_bus: FakeBus, deps: Deps, steps: list[Step], power: SimPower
) -> None:
    await fake_bus.publish(ResetRequested())
    *restores, shown = steps
    assert sorted(restores) == sorted(("restored", name) for name in deps.settings_owners)
    assert shown == ("led", f"{LedColour.GREEN} {LedPattern.STEADY}")
    assert power.requests == [("restart", "factory_default")]


async def test_a_service_that_could_not_be_reset_flashes_the_led_red(
    fake_bus: FakeBus, steps: list[Step]
) -> None:
    async def refuse(command: RestoreSettings) -> Ack:
        if command.service == "events":
            raise Unavailable("nobody answers events.settings.restore: is events running?")
        return Ack()

    fake_bus.answer(RestoreSettings, refuse)
    await fake_bus.publish(ResetRequested())
    assert steps == [("led", f"{LedColour.RED} {LedPattern.FLASH}")]


async def test_an_led_nobody_drives_does_not_stop_the_reset(
    fake_bus: FakeBus, deps: Deps, power: SimPower, caplog: pytest.LogCaptureFixture
) -> None:
    async def restore(_command: RestoreSettings) -> Ack:
        return Ack()

    fake_bus.answer(RestoreSettings, restore)  # and nobody answers io.led.set
    await fake_bus.publish(ResetRequested())
    assert power.requests == [("restart", "factory_default")]
    assert "could not show its end on the status LED" in caplog.text
