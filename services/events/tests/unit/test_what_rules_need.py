"""What rules need from other services and what they take from them: the System IDs ble must
receive, and MQTT messages that are news rather than a broker's stored copy."""

from typing import Any

from actkit_core.testing.fake_bus import FakeBus
from actkit_events.handlers import Deps
from actkit_proto.events import (
    BeaconCondition,
    CreateRule,
    DeleteRule,
    HoldIoAction,
    MqttStatelessCondition,
    PulseIoAction,
    RuleBeaconsChanged,
    RuleSpec,
    UpdateRule,
)
from actkit_proto.mqtt import MqttMessageReceived

from .examples import outputs


def beacon_rule(*system_ids: int) -> RuleSpec:
    return RuleSpec(
        name="Camera",
        conditions=[BeaconCondition(system_id=system_id) for system_id in system_ids],
        action=HoldIoAction(port_id=9),
    )


def told(fake_bus: FakeBus) -> list[list[int]]:
    return [e.system_ids for e in fake_bus.published if isinstance(e, RuleBeaconsChanged)]


async def test_ble_is_told_every_system_id_a_rule_waits_for(deps: Deps, fake_bus: FakeBus) -> None:
    first = await fake_bus.request(CreateRule(rule=beacon_rule(0x00C0FFEE)))
    second = await fake_bus.request(CreateRule(rule=beacon_rule(7, 0x00C0FFEE)))
    await fake_bus.request(UpdateRule(rule_id=second.rule_id, rule=beacon_rule(8)))
    await fake_bus.request(DeleteRule(rule_id=first.rule_id))
    assert told(fake_bus) == [[], [0x00C0FFEE], [7, 0x00C0FFEE], [8, 0x00C0FFEE], [8]]
    assert fake_bus.state["events.beacons.changed"] == RuleBeaconsChanged(system_ids=[8])


async def test_a_rule_without_a_beacon_tells_ble_nothing_new(deps: Deps, fake_bus: FakeBus) -> None:
    await fake_bus.request(CreateRule(rule=beacon_rule(5)))
    await fake_bus.request(
        CreateRule(
            rule=RuleSpec(
                name="Other",
                conditions=[MqttStatelessCondition(subscription="x")],
                action=PulseIoAction(port_id=9, duration_ms=5),
            )
        )
    )
    assert told(fake_bus) == [[], [5]]  # at start, then once


async def test_a_restart_tells_ble_again_what_the_stored_rules_wait_for(
    start_events: Any, io_answers: FakeBus
) -> None:
    async with start_events():
        await io_answers.request(CreateRule(rule=beacon_rule(42)))
    io_answers.published.clear()
    async with start_events():
        assert told(io_answers) == [[42]]


async def test_a_retained_message_redelivered_on_reconnect_does_not_fire_a_stateless_rule(
    deps: Deps, fake_bus: FakeBus
) -> None:
    await fake_bus.request(
        CreateRule(
            rule=RuleSpec(
                name="Camera recording",
                conditions=[MqttStatelessCondition(subscription="cams/+/state")],
                action=PulseIoAction(port_id=9, duration_ms=500),
            )
        )
    )

    async def deliver(payload: str, *, retained: bool) -> None:
        await fake_bus.publish(
            MqttMessageReceived(
                topic="cams/1/state",
                payload=payload,
                subscription="cams/+/state",
                retained=retained,
            )
        )

    await deliver("recording", retained=False)
    for _reconnect in range(3):
        await deliver("recording", retained=True)
    assert len(outputs(fake_bus)) == 1
    await deliver("recording", retained=False)  # a new message with the same payload counts
    assert len(outputs(fake_bus)) == 2
