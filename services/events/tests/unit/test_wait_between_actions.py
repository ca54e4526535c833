"""Wait between actions: an activation inside the wait is suppressed, then made up for when the
wait ends if the rule's conditions still hold (the timetable's tick, on an injected clock)."""

from datetime import timedelta
from typing import Any

from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_events.handlers import Deps
from actkit_events.handlers.schedules import tick
from actkit_proto.events import (
    ButtonCondition,
    CreateRule,
    HoldIoAction,
    InputCondition,
    LogKind,
    PulseIoAction,
    QueryEventLog,
    RuleSpec,
    TraceRule,
)
from actkit_proto.io import ButtonPressed, HoldPort, ReleasePort

from .examples import outputs, port

WAIT_S = 10


def lightbar(**changes: Any) -> RuleSpec:
    spec = RuleSpec(
        name="Lightbar",
        wait_between_actions_s=WAIT_S,
        conditions=[InputCondition(port_id=1)],
        action=HoldIoAction(port_id=9),
    )
    return spec.model_copy(update=changes)


async def test_a_flicker_inside_the_wait_activates_the_rule_when_the_wait_ends(
    deps: Deps, fake_bus: FakeBus, clock: FakeClock
) -> None:
    rule = await fake_bus.request(CreateRule(rule=lightbar()))
    holder = f"rule:{rule.rule_id}"
    await fake_bus.publish(port(1, True))
    clock.advance(1)
    await fake_bus.publish(port(1, False))
    clock.advance(1)
    await fake_bus.publish(port(1, True))  # inside the wait: suppressed, the input stays on
    assert outputs(fake_bus) == [
        HoldPort(port_id=9, holder=holder),
        ReleasePort(port_id=9, holder=holder),
    ]
    trace = await fake_bus.request(TraceRule(rule_id=rule.rule_id))
    assert not trace.is_active and "acts then if its conditions still hold" in trace.reason
    assert trace.wait_left_s == WAIT_S - 2

    ends = clock.now() + timedelta(seconds=WAIT_S - 2)
    assert await tick(deps, clock.now()) == ends  # the timetable wakes up when the wait ends
    assert len(outputs(fake_bus)) == 2
    clock.set(ends)
    await tick(deps, clock.now())
    assert outputs(fake_bus)[-1] == HoldPort(port_id=9, holder=holder)
    trace = await fake_bus.request(TraceRule(rule_id=rule.rule_id))
    assert trace.is_active and trace.wait_left_s == WAIT_S
    log = await fake_bus.request(QueryEventLog(rule_id=rule.rule_id))
    kinds = [e.kind for e in log.entries if e.kind is not LogKind.ACTION_OK]
    assert kinds[-4:] == [
        LogKind.ACTIVATED,
        LogKind.DEACTIVATED,
        LogKind.SUPPRESSED,
        LogKind.ACTIVATED,
    ]


async def test_a_rule_whose_conditions_ended_during_the_wait_stays_inactive(
    deps: Deps, fake_bus: FakeBus, clock: FakeClock
) -> None:
    await fake_bus.request(CreateRule(rule=lightbar()))
    for is_on in (True, False, True, False):
        clock.advance(1)
        await fake_bus.publish(port(1, is_on))
    clock.advance(WAIT_S)
    await tick(deps, clock.now())
    assert [type(c) for c in outputs(fake_bus)] == [HoldPort, ReleasePort]


async def test_a_trigger_that_rose_during_the_wait_triggers_when_it_ends(
    deps: Deps, fake_bus: FakeBus, clock: FakeClock
) -> None:
    spec = lightbar(
        use_first_as_trigger=True,
        conditions=[InputCondition(port_id=1), InputCondition(port_id=2)],
    )
    rule = await fake_bus.request(CreateRule(rule=spec))
    await fake_bus.publish(port(2, True))
    await fake_bus.publish(port(1, True))
    clock.advance(1)
    await fake_bus.publish(port(2, False))
    await fake_bus.publish(port(1, False))
    await fake_bus.publish(port(2, True))
    clock.advance(1)
    await fake_bus.publish(port(1, True))  # the trigger's edge, inside the wait
    clock.advance(WAIT_S)
    await tick(deps, clock.now())
    assert outputs(fake_bus)[-1] == HoldPort(port_id=9, holder=f"rule:{rule.rule_id}")
    assert len(outputs(fake_bus)) == 3


async def test_a_moment_inside_the_wait_is_dropped_not_made_up_for(
    deps: Deps, fake_bus: FakeBus, clock: FakeClock
) -> None:
    spec = lightbar(
        conditions=[ButtonCondition()], action=PulseIoAction(port_id=9, duration_ms=100)
    )
    rule = await fake_bus.request(CreateRule(rule=spec))
    await fake_bus.publish(ButtonPressed())
    clock.advance(1)
    await fake_bus.publish(ButtonPressed())
    trace = await fake_bus.request(TraceRule(rule_id=rule.rule_id))
    assert "wait between actions had 9 s left" in trace.reason
    clock.advance(WAIT_S)
    await tick(deps, clock.now())
    assert len(outputs(fake_bus)) == 1
