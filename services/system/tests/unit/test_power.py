import json

import pytest

from actkit_core.testing.clock import START, FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Invalid
from actkit_proto.io import IgnitionChanged
from actkit_proto.system import (
    PowerSettings,
    SetPowerSettings,
    ShutdownCountdownChanged,
    ShutdownRequested,
    ShutdownState,
)
from actkit_system.adapters.sim import SimPower
from actkit_system.handlers import Deps
from actkit_system.handlers.device import advance_power


def countdowns(bus: FakeBus) -> list[ShutdownCountdownChanged]:
    return [event for event in bus.published if isinstance(event, ShutdownCountdownChanged)]


async def turn_on(bus: FakeBus, clock: FakeClock, delay_min: int = 3) -> None:
    await bus.request(
        SetPowerSettings(settings=PowerSettings(is_delayed_shutdown_on=True, delay_min=delay_min))
    )
    clock.advance(seconds=60)


async def test_ignition_off_counts_down_then_shuts_down_cleanly(
    fake_bus: FakeBus, deps: Deps, clock: FakeClock, power: SimPower
) -> None:
    await turn_on(fake_bus, clock)
    await advance_power(deps)
    assert deps.current.countdown == ShutdownCountdownChanged(state=ShutdownState.IDLE)
    await fake_bus.publish(IgnitionChanged(is_on=False))
    off_at = clock.now()
    assert fake_bus.state["system.power.countdown.changed"] == ShutdownCountdownChanged(
        state=ShutdownState.COUNTING_DOWN, shutdown_at=off_at.replace(minute=off_at.minute + 3)
    )
    clock.advance(minutes=2, seconds=59)
    await advance_power(deps)
    assert power.requests == []
    clock.advance(seconds=1)
    await advance_power(deps)
    assert power.requests == [("shutdown", "ignition off for 3 min (delayed shutdown)")]
    assert fake_bus.published[-1] == ShutdownRequested(
        reason="ignition off for 3 min (delayed shutdown)"
    )
    assert countdowns(fake_bus)[-1].state is ShutdownState.SHUTTING_DOWN


async def test_ignition_back_on_cancels_the_countdown(
    fake_bus: FakeBus, deps: Deps, clock: FakeClock, power: SimPower
) -> None:
    await turn_on(fake_bus, clock)
    await fake_bus.publish(IgnitionChanged(is_on=False))
    clock.advance(minutes=2)
    await fake_bus.publish(IgnitionChanged(is_on=True))
    assert countdowns(fake_bus)[-1].state is ShutdownState.IDLE
    clock.advance(minutes=10)
    await advance_power(deps)
    assert power.requests == []


async def test_nothing_happens_while_delayed_shutdown_is_off(
    fake_bus: FakeBus, deps: Deps, clock: FakeClock, power: SimPower
) -> None:
    await fake_bus.publish(IgnitionChanged(is_on=False))
    clock.advance(hours=2)
    await advance_power(deps)
    assert power.requests == []
    assert deps.current.countdown == ShutdownCountdownChanged(state=ShutdownState.OFF)


async def test_after_power_on_delayed_shutdown_waits_the_start_delay(
    fake_bus: FakeBus, deps: Deps, clock: FakeClock, power: SimPower
) -> None:
    await fake_bus.request(
        SetPowerSettings(settings=PowerSettings(is_delayed_shutdown_on=True, delay_min=1))
    )
    assert deps.current.countdown == ShutdownCountdownChanged(
        state=ShutdownState.ARMING, active_at=START.replace(minute=1)
    )
    await fake_bus.publish(IgnitionChanged(is_on=False))
    clock.advance(seconds=59)
    await advance_power(deps)
    assert deps.current.countdown is not None
    assert deps.current.countdown.state is ShutdownState.ARMING
    clock.advance(seconds=1)
    await advance_power(deps)
    assert deps.current.countdown.state is ShutdownState.COUNTING_DOWN
    clock.advance(minutes=1)
    await advance_power(deps)
    assert power.requests[0][0] == "shutdown"


async def test_a_new_delay_applies_to_a_running_countdown(
    fake_bus: FakeBus, deps: Deps, clock: FakeClock, power: SimPower
) -> None:
    await turn_on(fake_bus, clock, delay_min=30)
    await fake_bus.publish(IgnitionChanged(is_on=False))
    clock.advance(minutes=5)
    await fake_bus.request(
        SetPowerSettings(settings=PowerSettings(is_delayed_shutdown_on=True, delay_min=5))
    )
    assert power.requests == [("shutdown", "ignition off for 5 min (delayed shutdown)")]


async def test_turning_it_off_cancels_a_countdown(
    fake_bus: FakeBus, deps: Deps, clock: FakeClock, power: SimPower
) -> None:
    await turn_on(fake_bus, clock)
    await fake_bus.publish(IgnitionChanged(is_on=False))
    await fake_bus.request(SetPowerSettings(settings=PowerSettings(is_delayed_shutdown_on=False)))
    clock.advance(hours=1)
    await advance_power(deps)
    assert power.requests == []
    assert countdowns(fake_bus)[-1].state is ShutdownState.OFF


@pytest.mark.parametrize(
    ("delay_min", "says"), [(0, "greater than or equal to 1"), (61, "less than or equal to 60")]
)
async def test_the_delay_is_1_to_60_minutes(
    fake_bus: FakeBus, deps: Deps, delay_min: int, says: str
) -> None:
    body = json.dumps({"settings": {"is_delayed_shutdown_on": True, "delay_min": delay_min}})
    with pytest.raises(Invalid, match=says):
        await fake_bus._dispatchers[0].dispatch(SetPowerSettings, "system.power.set", body.encode())
    assert deps.current.power == PowerSettings()


async def test_power_settings_survive_a_restart(
    fake_bus: FakeBus,
    start,
    clock: FakeClock,  # type: ignore[no-untyped-def]
) -> None:
    async with start():
        await fake_bus.request(
            SetPowerSettings(settings=PowerSettings(is_delayed_shutdown_on=True, delay_min=60))
        )
    async with start() as again:
        assert again.current.power.delay_min == 60
        assert again.shutdown.settings.delay_min == 60
