"""Rules are checked against the board io runs and the subscriptions mqtt has: what cannot work
is refused, what may not is accepted with a warning, and a port configured otherwise later is
said again, naming the rule."""

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_events.handlers import Deps
from actkit_proto import Invalid
from actkit_proto.events import (
    Action,
    Condition,
    CreateRule,
    GetRule,
    HoldIoAction,
    InputCondition,
    ListRules,
    LogKind,
    MqttStatefulCondition,
    MqttStatelessCondition,
    PulseIoAction,
    QueryEventLog,
    RuleSpec,
    TamperCondition,
    UpdateRule,
)
from actkit_proto.io import Direction, ListPorts, PortConfigured, PortList
from actkit_proto.mqtt import (
    ListSubscriptions,
    Subscription,
    SubscriptionList,
    SubscriptionSpec,
)

from .examples import board_port


@pytest.fixture
def subscriptions(fake_bus: FakeBus) -> list[SubscriptionSpec]:
    """mqtt with a stateful ``Motion`` and a stateless ``cars/+/door`` subscription."""
    specs = [
        SubscriptionSpec(filter="Motion", is_stateful=True),
        SubscriptionSpec(filter="cars/+/door"),
    ]

    async def list_subscriptions(_command: ListSubscriptions) -> SubscriptionList:
        return SubscriptionList(
            subscriptions=[
                Subscription(subscription_id=n, spec=spec, effective_filter=spec.filter)
                for n, spec in enumerate(specs, 1)
            ]
        )

    fake_bus.answer(ListSubscriptions, list_subscriptions)
    return specs


def rule(condition: Condition, action: Action | None = None) -> RuleSpec:
    return RuleSpec(
        name="Door",
        conditions=[condition],
        action=action or PulseIoAction(port_id=9, duration_ms=500),
    )


@pytest.mark.parametrize(
    ("spec", "refusal"),
    [
        (
            rule(InputCondition(port_id=20)),
            "the AXIS W401 has no port 20; its ports 1-9",
        ),
        (
            rule(InputCondition(port_id=1), HoldIoAction(port_id=2)),
            "port 2 of the AXIS W401 is an input and an I/O action needs an output",
        ),
        (
            rule(InputCondition(port_id=1), PulseIoAction(port_id=12, duration_ms=5)),
            "the AXIS W401 has no port 12",
        ),
        (
            rule(TamperCondition(port_id=4)),
            "port 4 of the AXIS W401 is not supervised, so it is never tampered with",
        ),
        (
            rule(TamperCondition(port_id=8)),
            "port 8 of the AXIS W401 is an output, so it is never tampered with",
        ),
    ],
)
async def test_what_cannot_work_on_the_board_is_refused_naming_port_and_board(
    deps: Deps, fake_bus: FakeBus, board: PortList, spec: RuleSpec, refusal: str
) -> None:
    with pytest.raises(Invalid, match=refusal):
        await fake_bus.request(CreateRule(rule=spec))
    assert deps.engine.rules == {}


async def test_what_fits_the_board_is_accepted_without_a_warning(
    deps: Deps, fake_bus: FakeBus, board: PortList
) -> None:
    created = await fake_bus.request(
        CreateRule(rule=rule(TamperCondition(port_id=3), HoldIoAction(port_id=8)))
    )
    assert created.warnings == []


async def test_an_edit_is_checked_too(deps: Deps, fake_bus: FakeBus, board: PortList) -> None:
    created = await fake_bus.request(CreateRule(rule=rule(InputCondition(port_id=1))))
    with pytest.raises(Invalid, match="has no port 20"):
        await fake_bus.request(
            UpdateRule(rule_id=created.rule_id, rule=rule(InputCondition(port_id=20)))
        )


async def test_an_input_condition_on_an_output_is_accepted_with_a_warning(
    deps: Deps, fake_bus: FakeBus, board: PortList
) -> None:
    created = await fake_bus.request(CreateRule(rule=rule(InputCondition(port_id=8))))
    assert created.warnings == [
        "port 8 of the AXIS W401 is an output: the condition follows what the device drives "
        "on it, not a wired input"
    ]


@pytest.mark.parametrize(
    ("condition", "warning"),
    [
        (
            MqttStatelessCondition(subscription="sirens"),
            "no MQTT subscription has the filter 'sirens' yet; add a stateless subscription",
        ),
        (
            MqttStatelessCondition(subscription="cars/7/door"),
            "messages on it arrive under the subscription 'cars/+/door': name that",
        ),
        (
            MqttStatelessCondition(subscription="Motion"),
            "the MQTT subscription 'Motion' is stateful, so a stateless condition never sees",
        ),
    ],
)
async def test_an_mqtt_filter_no_subscription_has_is_accepted_with_a_warning(
    deps: Deps,
    fake_bus: FakeBus,
    board: PortList,
    subscriptions: list[SubscriptionSpec],
    condition: Condition,
    warning: str,
) -> None:
    created = await fake_bus.request(CreateRule(rule=rule(condition)))
    [said] = created.warnings
    assert warning in said


async def test_an_mqtt_filter_a_subscription_has_gets_no_warning(
    deps: Deps, fake_bus: FakeBus, board: PortList, subscriptions: list[SubscriptionSpec]
) -> None:
    created = await fake_bus.request(
        CreateRule(rule=rule(MqttStatefulCondition(subscription="Motion", payload="On")))
    )
    assert created.warnings == []


async def test_owners_that_do_not_answer_leave_the_rule_accepted_but_unchecked(
    deps: Deps, fake_bus: FakeBus
) -> None:
    spec = RuleSpec(
        name="Both",
        conditions=[InputCondition(port_id=1), MqttStatefulCondition(subscription="Motion")],
        action=HoldIoAction(port_id=9),
    )
    created = await fake_bus.request(CreateRule(rule=spec))
    assert created.warnings == [
        "the ports were not checked: nobody answers io.ports.list: is io running?",
        "the MQTT filters were not checked: nobody answers mqtt.subscriptions.list: "
        "is mqtt running?",
    ]


async def test_a_port_configured_otherwise_later_is_said_again_naming_the_rule(
    deps: Deps, fake_bus: FakeBus, board: PortList, caplog: pytest.LogCaptureFixture
) -> None:
    tamper = await fake_bus.request(CreateRule(rule=rule(TamperCondition(port_id=3))))
    lamp = await fake_bus.request(
        CreateRule(rule=rule(InputCondition(port_id=1), HoldIoAction(port_id=8)))
    )
    untouched = await fake_bus.request(CreateRule(rule=rule(InputCondition(port_id=5))))
    await fake_bus.publish(
        PortConfigured(port_id=3, direction=Direction.INPUT, is_supervised=False)
    )
    await fake_bus.publish(
        PortConfigured(port_id=8, direction=Direction.INPUT, is_supervised=False)
    )

    async def warnings(rule_id: int) -> list[str]:
        log = await fake_bus.request(QueryEventLog(rule_id=rule_id))
        return [e.text for e in log.entries if e.kind is LogKind.WARNING]

    assert await warnings(tamper.rule_id) == [
        "Door cannot work any more: port 3 of the AXIS W401 is not supervised, so it is never "
        "tampered with: make it a supervised input first (I/O ports)"
    ]
    [lamp_warning] = await warnings(lamp.rule_id)
    assert lamp_warning.startswith("Door cannot work any more: port 8 of the AXIS W401 is an input")
    assert await warnings(untouched.rule_id) == []
    assert f"rule {tamper.rule_id} (Door) cannot work any more: port 3" in caplog.text


async def test_a_rule_a_later_port_configuration_broke_says_so_when_read_until_it_is_mended(
    deps: Deps, fake_bus: FakeBus, board: PortList
) -> None:
    lamp = await fake_bus.request(
        CreateRule(rule=rule(InputCondition(port_id=1), HoldIoAction(port_id=8)))
    )
    other = await fake_bus.request(CreateRule(rule=rule(InputCondition(port_id=5))))
    assert (await fake_bus.request(GetRule(rule_id=lamp.rule_id))).warnings == []

    await fake_bus.publish(
        PortConfigured(port_id=8, direction=Direction.INPUT, is_supervised=False)
    )
    broken = (
        "port 8 of the AXIS W401 is an input and an I/O action needs an output: set its "
        "direction to output first (I/O ports)"
    )
    assert (await fake_bus.request(GetRule(rule_id=lamp.rule_id))).warnings == [broken]
    listed = {r.rule_id: r.warnings for r in (await fake_bus.request(ListRules())).rules}
    assert listed == {lamp.rule_id: [broken], other.rule_id: []}

    await fake_bus.publish(
        PortConfigured(port_id=8, direction=Direction.OUTPUT, is_supervised=False)
    )
    assert (await fake_bus.request(GetRule(rule_id=lamp.rule_id))).warnings == []


async def test_a_rule_read_before_io_answers_says_nothing_of_its_ports_then_asks_again(
    deps: Deps, fake_bus: FakeBus
) -> None:
    spec = rule(InputCondition(port_id=1), HoldIoAction(port_id=2))
    await deps.rules.create(spec)
    deps.engine.put(1, spec)
    assert (await fake_bus.request(GetRule(rule_id=1))).warnings == []

    async def list_ports(_command: ListPorts) -> PortList:
        ports = [board_port(p, Direction.INPUT) for p in range(1, 9)] + [
            board_port(9, Direction.OUTPUT)
        ]
        return PortList(ports=ports, board="AXIS W401")

    fake_bus.answer(ListPorts, list_ports)
    [said] = (await fake_bus.request(ListRules())).rules[0].warnings
    assert said.startswith("port 2 of the AXIS W401 is an input")
