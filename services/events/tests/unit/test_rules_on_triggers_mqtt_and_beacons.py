"""Rules on manual triggers, MQTT messages and beacons, through the real handler table."""

from typing import Any

from actkit_core.testing.fake_bus import FakeBus
from actkit_events.handlers import Deps
from actkit_proto.events import (
    CreateRule,
    FireManualTrigger,
    GetRule,
    HoldIoAction,
    InputCondition,
    ListManualTriggers,
    ManualCondition,
    ManualTriggerInUse,
    MqttPublishAction,
    PulseIoAction,
    RuleChanged,
    RuleSpec,
    SetManualTrigger,
    TraceRule,
)
from actkit_proto.io import (
    HoldPort,
    PulsePort,
)
from actkit_proto.mqtt import PublishMqtt

from .examples import outputs, port, window_sensor


async def test_mqtt_publish_action_renders_its_payload(deps: Deps, fake_bus: FakeBus) -> None:
    from actkit_proto import Ack

    async def accept(_command: PublishMqtt) -> Ack:
        return Ack()

    fake_bus.answer(PublishMqtt, accept)
    await fake_bus.request(
        CreateRule(
            rule=RuleSpec(
                name="tell",
                conditions=[InputCondition(port_id=1)],
                action=MqttPublishAction(topic="alarm", payload="{rule_name} on", qos=1),
            )
        )
    )
    await fake_bus.publish(port(1, True))
    assert [c for c in fake_bus.sent if isinstance(c, PublishMqtt)] == [
        PublishMqtt(topic="alarm", payload="tell on", qos=1)
    ]


async def test_manual_trigger_on_off_and_one_shot(deps: Deps, fake_bus: FakeBus) -> None:
    await fake_bus.request(
        CreateRule(
            rule=RuleSpec(
                name="m", conditions=[ManualCondition(trigger_id=1)], action=HoldIoAction(port_id=9)
            )
        )
    )
    await fake_bus.request(SetManualTrigger(trigger_id=1, is_on=True))
    await fake_bus.request(SetManualTrigger(trigger_id=1, is_on=False))
    await fake_bus.request(FireManualTrigger(trigger_id=1))
    assert [type(c).__name__ for c in outputs(fake_bus)] == ["HoldPort", "ReleasePort"] * 2


async def test_the_manual_triggers_rules_use_are_listed_with_their_state_and_users(
    deps: Deps, fake_bus: FakeBus
) -> None:
    def manual(name: str, *trigger_ids: int) -> CreateRule:
        conditions = [ManualCondition(trigger_id=trigger_id) for trigger_id in trigger_ids]
        return CreateRule(
            rule=RuleSpec(name=name, conditions=conditions, action=HoldIoAction(port_id=9))
        )

    assert (await fake_bus.request(ListManualTriggers())).triggers == []
    first = await fake_bus.request(manual("a", 7, 2))
    second = await fake_bus.request(manual("b", 7))
    await fake_bus.request(CreateRule(rule=window_sensor()))
    await fake_bus.request(SetManualTrigger(trigger_id=7, is_on=True))
    assert (await fake_bus.request(ListManualTriggers())).triggers == [
        ManualTriggerInUse(trigger_id=2, is_on=False, rule_ids=[first.rule_id]),
        ManualTriggerInUse(trigger_id=7, is_on=True, rule_ids=[first.rule_id, second.rule_id]),
    ]


async def test_beacon_presence_with_a_message_type_starts_and_stops_a_broadcast(
    deps: Deps, fake_bus: FakeBus
) -> None:
    from actkit_proto import Ack
    from actkit_proto.ble import BeaconPresenceChanged, StartBroadcast, StopBroadcast
    from actkit_proto.events import BeaconCondition, BroadcastAction

    async def accept(_command: StartBroadcast | StopBroadcast) -> Ack:
        return Ack()

    fake_bus.answer(StartBroadcast, accept)
    fake_bus.answer(StopBroadcast, accept)
    rule = await fake_bus.request(
        CreateRule(
            rule=RuleSpec(
                name="relay",
                conditions=[BeaconCondition(system_id=7, message_type=1)],
                action=BroadcastAction(system_id=8, message_type=1),
            )
        )
    )
    await fake_bus.publish(BeaconPresenceChanged(system_id=7, is_present=True, message_type=2))
    await fake_bus.publish(BeaconPresenceChanged(system_id=7, is_present=True, message_type=1))
    await fake_bus.publish(BeaconPresenceChanged(system_id=7, is_present=False))
    holder = f"rule:{rule.rule_id}"
    assert [c for c in fake_bus.sent if isinstance(c, StartBroadcast | StopBroadcast)] == [
        StartBroadcast(system_id=8, message_type=1, broadcaster=holder),
        StopBroadcast(system_id=8, broadcaster=holder),
    ]


async def test_mqtt_stateful_payload_and_its_inverse_drive_two_rules(
    deps: Deps, fake_bus: FakeBus
) -> None:
    from actkit_proto.events import MqttStatefulCondition
    from actkit_proto.mqtt import MqttTopicChanged, topic_id

    for name, invert, port_id in (("Motion", False, 1), ("No motion", True, 2)):
        await fake_bus.request(
            CreateRule(
                rule=RuleSpec(
                    name=name,
                    conditions=[
                        MqttStatefulCondition(subscription="Motion", payload="On", invert=invert)
                    ],
                    action=PulseIoAction(port_id=port_id, duration_ms=5),
                )
            )
        )

    async def say(payload: str) -> None:
        await fake_bus.publish(
            MqttTopicChanged(
                topic_id=topic_id("Motion"), topic="Motion", payload=payload, subscription="Motion"
            )
        )

    await say("On")
    await say("Off")
    assert [c.port_id for c in fake_bus.sent if isinstance(c, PulsePort)] == [2, 1, 2]


async def test_a_manual_trigger_left_on_is_still_on_after_a_restart(
    start_events: Any, io_answers: FakeBus
) -> None:
    spec = RuleSpec(
        name="m", conditions=[ManualCondition(trigger_id=3)], action=HoldIoAction(port_id=9)
    )
    async with start_events():
        rule = await io_answers.request(CreateRule(rule=spec))
        await io_answers.request(SetManualTrigger(trigger_id=3, is_on=True))
    io_answers.sent.clear()
    async with start_events() as deps:
        trace = await io_answers.request(TraceRule(rule_id=rule.rule_id))
        assert trace.is_active and trace.conditions[0].value == "on"
        assert outputs(io_answers) == [HoldPort(port_id=9, holder=f"rule:{rule.rule_id}")]
        assert deps.engine.values["manual.3"] is True


async def test_a_stateless_mqtt_message_with_the_payload_sends_a_broadcast_once(
    deps: Deps, fake_bus: FakeBus
) -> None:
    from actkit_proto import Ack
    from actkit_proto.ble import StartBroadcast
    from actkit_proto.events import BroadcastAction, MqttStatelessCondition
    from actkit_proto.mqtt import MqttMessageReceived

    async def accept(_command: StartBroadcast) -> Ack:
        return Ack()

    fake_bus.answer(StartBroadcast, accept)
    rule = await fake_bus.request(
        CreateRule(
            rule=RuleSpec(
                name="camera",
                conditions=[MqttStatelessCondition(subscription="cam/#", payload="alarm")],
                action=BroadcastAction(
                    system_id=5, message_type=1, is_while_active=False, duration_ms=2000
                ),
            )
        )
    )
    for payload in ("quiet", "alarm"):
        await fake_bus.publish(
            MqttMessageReceived(topic="cam/1", payload=payload, subscription="cam/#")
        )
    assert [c for c in fake_bus.sent if isinstance(c, StartBroadcast)] == [
        StartBroadcast(
            system_id=5, message_type=1, broadcaster=f"rule:{rule.rule_id}", duration_ms=2000
        )
    ]
    changes = [e.is_active for e in fake_bus.published if isinstance(e, RuleChanged)]
    assert changes == [True, False]


async def test_a_received_beacon_of_the_wanted_type_activates_the_rule(
    deps: Deps, fake_bus: FakeBus
) -> None:
    from actkit_proto.ble import BeaconReceived
    from actkit_proto.events import BeaconCondition

    rule = await fake_bus.request(
        CreateRule(
            rule=RuleSpec(
                name="b",
                conditions=[BeaconCondition(system_id=9, message_type=1)],
                action=HoldIoAction(port_id=9),
            )
        )
    )
    await fake_bus.publish(BeaconReceived(system_id=9, message_type=2, sequence=1))
    assert not (await fake_bus.request(GetRule(rule_id=rule.rule_id))).is_active
    await fake_bus.publish(BeaconReceived(system_id=9, message_type=1, sequence=2))
    assert (await fake_bus.request(GetRule(rule_id=rule.rule_id))).is_active
