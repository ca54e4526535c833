"""Under a flood the engine takes the newest state: what may be coalesced, and what stays exact.

The mailbox is the bus's (``Bus.serve`` hands these events to one); here it feeds the real
handler table through a Dispatcher as the bus does, with io's answers held back to block it.
"""

import asyncio
import random
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from nats.aio.msg import Msg

from actkit_core.coalescing import Mailbox
from actkit_core.dispatch import Dispatcher
from actkit_core.testing.fake_bus import FakeBus
from actkit_events.domain.coalescing import kept_positions
from actkit_events.domain.rules import Engine
from actkit_events.handlers import HANDLERS, Deps
from actkit_events.handlers.coalescing import coalescing
from actkit_proto.events import (
    CreateRecipient,
    CreateRule,
    HoldIoAction,
    InputCondition,
    ManualCondition,
    MqttPublishAction,
    NotifyAction,
    PulseIoAction,
    RuleSpec,
    SetManualTrigger,
    TcpRecipient,
)
from actkit_proto.io import ButtonPressed, HoldPort, Port, PortChanged, PulsePort, ReleasePort
from actkit_proto.mqtt import MqttMessageReceived

from ..conftest import port_reply
from .examples import outputs, port

EDGES = 10_000
NOW = datetime(2026, 12, 5, tzinfo=UTC)


def mirror(**changes: Any) -> RuleSpec:
    spec = RuleSpec(
        name="Input 1 to output 9",
        conditions=[InputCondition(port_id=1)],
        action=HoldIoAction(port_id=9),
    )
    return spec.model_copy(update=changes)


class Blocked:
    """io's answers to output commands, held back until released."""

    def __init__(self, fake_bus: FakeBus) -> None:
        self.gate = asyncio.Event()
        self.waiting = asyncio.Event()
        for command_type in (HoldPort, ReleasePort, PulsePort):
            fake_bus.answer(command_type, self.answer)

    async def answer(self, command: HoldPort | ReleasePort | PulsePort) -> Port:
        self.waiting.set()
        await self.gate.wait()
        return port_reply(command.port_id, getattr(command, "is_active", False))


def intake(deps: Deps, fake_bus: FakeBus) -> tuple[Mailbox, Dispatcher]:
    """The mailbox Bus.serve would give io.port.*.changed, on the real handler table."""
    dispatcher = Dispatcher("events", HANDLERS, deps)

    async def handle(msg: Msg) -> None:
        await dispatcher.dispatch(PortChanged, msg.subject, msg.data)

    count: Any = lambda outcome, n: dispatcher.skip(PortChanged, outcome, n)  # noqa: E731
    mailbox = coalescing(deps, limit=50_000).mailbox(PortChanged, handle, count)
    assert mailbox is not None
    return mailbox, dispatcher


def message(event: PortChanged) -> Msg:
    return Msg(_client=cast(Any, None), subject=event.to_subject(), data=event.to_wire())


async def flood(mailbox: Mailbox, blocked: Blocked, edges: int) -> list[bool]:
    """The first edge reaches io and waits there; the rest queue behind it; then io answers."""
    states = [index % 2 == 0 for index in range(edges)]
    await mailbox.take(message(port(1, states[0])))
    await asyncio.wait_for(blocked.waiting.wait(), 5)
    for is_active in states[1:]:
        await mailbox.take(message(port(1, is_active)))
    assert mailbox.size == edges - 1
    blocked.gate.set()
    await asyncio.wait_for(mailbox.join(), 5)
    return states


async def test_ten_thousand_queued_edges_reach_the_output_as_the_final_state(
    deps: Deps, fake_bus: FakeBus
) -> None:
    blocked = Blocked(fake_bus)
    await fake_bus.request(CreateRule(rule=mirror()))
    mailbox, dispatcher = intake(deps, fake_bus)
    states = await flood(mailbox, blocked, EDGES + 1)  # odd: ends active
    assert states[-1] is True
    sent = outputs(fake_bus)
    assert sent[-1] == HoldPort(port_id=9, holder="rule:1", is_active=True)
    assert len(sent) <= 4  # the first edge, then a drop and a rise at most for the rest
    assert deps.engine.values["io.port.1"] is True
    assert deps.engine.rules[1].is_active
    coalesced = EDGES - (len(sent) - 1)
    assert dispatcher.handled == EDGES + 1  # every edge handled or coalesced, none lost
    assert dispatcher.handled - dispatcher.failed == EDGES + 1
    assert dispatcher.handled - coalesced == len(sent)


async def test_the_final_drop_is_never_coalesced_away(deps: Deps, fake_bus: FakeBus) -> None:
    blocked = Blocked(fake_bus)
    await fake_bus.request(CreateRule(rule=mirror()))
    mailbox, _ = intake(deps, fake_bus)
    await flood(mailbox, blocked, EDGES)  # even: ends inactive
    assert outputs(fake_bus)[-1] == ReleasePort(port_id=9, holder="rule:1")
    assert not deps.engine.rules[1].is_active


@pytest.mark.parametrize(
    "action",
    [
        PulseIoAction(port_id=9, duration_ms=100),
        MqttPublishAction(topic="lightbar", payload="on"),
        NotifyAction(recipient_id=1),
    ],
    ids=["pulse", "mqtt", "notification"],
)
async def test_a_rule_that_acts_once_per_activation_sees_every_edge(
    deps: Deps, fake_bus: FakeBus, action: Any
) -> None:
    dispatch = TcpRecipient(name="Dispatch", host="127.0.0.1", port=9000)
    await fake_bus.request(CreateRecipient(recipient=dispatch))
    await fake_bus.request(CreateRule(rule=mirror(action=action)))
    values = [index % 2 == 0 for index in range(1000)]
    assert kept_positions(deps.engine, "io.port.1", values) == list(range(1000))


async def test_pulses_are_exact_under_the_flood(deps: Deps, fake_bus: FakeBus) -> None:
    blocked = Blocked(fake_bus)
    await fake_bus.request(CreateRule(rule=mirror(action=PulseIoAction(port_id=9, duration_ms=5))))
    mailbox, dispatcher = intake(deps, fake_bus)
    await flood(mailbox, blocked, 2000)
    assert len([c for c in fake_bus.sent if isinstance(c, PulsePort)]) == 1000  # every rise
    assert (dispatcher.handled, dispatcher.failed) == (2000, 0)


async def test_a_once_rule_that_cannot_fire_lets_the_edges_coalesce(
    deps: Deps, fake_bus: FakeBus
) -> None:
    quiet = mirror(
        conditions=[InputCondition(port_id=1), ManualCondition(trigger_id=5)],
        action=PulseIoAction(port_id=9, duration_ms=100),
    )
    await fake_bus.request(CreateRule(rule=quiet))
    values = [index % 2 == 0 for index in range(1000)]
    assert kept_positions(deps.engine, "io.port.1", values) == [999]
    await fake_bus.request(SetManualTrigger(trigger_id=5, is_on=True))
    assert kept_positions(deps.engine, "io.port.1", values) == list(range(1000))


async def test_a_trigger_keeps_its_first_rise_and_drop_and_the_newest(
    deps: Deps, fake_bus: FakeBus
) -> None:
    trigger = mirror(
        use_first_as_trigger=True,
        conditions=[InputCondition(port_id=1), InputCondition(port_id=2)],
    )
    await fake_bus.request(CreateRule(rule=trigger))
    values = [index % 2 == 0 for index in range(1000)]
    assert kept_positions(deps.engine, "io.port.1", values) == [0, 1, 999]
    assert kept_positions(deps.engine, "io.port.2", values) == [999]


async def test_moments_and_commands_get_no_mailbox(deps: Deps) -> None:
    plan = coalescing(deps, limit=100)
    for moment in (ButtonPressed, MqttMessageReceived, CreateRule):
        assert plan.mailbox(moment, cast(Any, None), cast(Any, None)) is None


def end_state(
    spec: RuleSpec, before: list[tuple[str, bool]], values: list[bool], *, coalesce: bool
) -> bool:
    """Where the rule ends after ``before`` and then ``values`` of input 1, each or coalesced."""
    engine = Engine()
    engine.put(1, spec)
    for key, value in before:
        engine.observe(key, value, NOW)
    kept = kept_positions(engine, "io.port.1", values) if coalesce else range(len(values))
    for position in kept:
        engine.observe("io.port.1", values[position], NOW)
    return engine.rules[1].is_active


@pytest.mark.parametrize("use_first_as_trigger", [False, True], ids=["level", "trigger"])
@pytest.mark.parametrize("invert", [False, True])
def test_a_rule_that_lasts_ends_as_it_would_have_on_every_edge(
    use_first_as_trigger: bool, invert: bool
) -> None:
    spec = mirror(
        use_first_as_trigger=use_first_as_trigger,
        conditions=[InputCondition(port_id=1, invert=invert), InputCondition(port_id=2)],
    )
    draw = random.Random(28)
    for _ in range(500):
        before = [
            (draw.choice(["io.port.1", "io.port.2"]), draw.random() < 0.5)
            for _ in range(draw.randint(0, 4))
        ]
        values = [draw.random() < 0.5 for _ in range(draw.randint(1, 12))]
        exact = end_state(spec, before, values, coalesce=False)
        assert end_state(spec, before, values, coalesce=True) == exact, (before, values)
