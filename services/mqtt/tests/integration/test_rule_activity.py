"""Rule activity and manual triggers on the bus reach a real broker, retained as the policy says."""

import json
from datetime import UTC, datetime

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.mosquitto import Mosquitto, MqttPeer
from actkit_proto.events import ManualTriggerChanged, RuleChanged
from actkit_proto.mqtt import (
    ConnectionState,
    DeviceEventKind,
    Publication,
    RetainPolicy,
    SetPublication,
)

from .conftest import SERIAL, connect, wait_state

RULE_TOPIC = f"axis/{SERIAL}/event/onvif:Device/axis:Rule/Active/3"
TRIGGER_TOPIC = f"axis/{SERIAL}/event/onvif:Device/axis:IO/ManualTrigger/1"


@pytest.mark.parametrize(
    ("policy", "is_kept"), [(RetainPolicy.NONE, False), (RetainPolicy.PROPERTY, True)]
)
async def test_rule_activity_reaches_a_subscriber_and_is_kept_as_a_state(
    service: Bus, mosquitto: Mosquitto, mqtt_peer: MqttPeer, policy: RetainPolicy, is_kept: bool
) -> None:
    mqtt_peer.subscribe(f"axis/{SERIAL}/event/#")
    await connect(service, mosquitto)
    await wait_state(service, ConnectionState.CONNECTED)
    conditions = [DeviceEventKind.RULE, DeviceEventKind.MANUAL_TRIGGER]
    await service.request(
        SetPublication(publication=Publication(conditions=conditions, retain=policy, qos=1))
    )
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    await service.publish(RuleChanged(rule_id=3, is_active=True, at=at))
    await service.publish(ManualTriggerChanged(trigger_id=1, is_on=True))
    [rule] = await mqtt_peer.wait_for(RULE_TOPIC)
    [trigger] = await mqtt_peer.wait_for(TRIGGER_TOPIC)
    body = json.loads(rule.payload)
    assert body["topic"] == "onvif:Device/axis:Rule/Active"
    assert body["timestamp"] == int(at.timestamp() * 1000)
    assert body["message"]["source"] == {"rule": "3"}
    assert body["message"]["data"] == {"active": True}
    assert json.loads(trigger.payload)["message"]["data"] == {"active": True}
    assert rule.qos == 1

    late = MqttPeer(mosquitto)
    try:
        late.subscribe(f"axis/{SERIAL}/event/#")
        # The broker sends retained messages right after SUBACK, before anything newer.
        mqtt_peer.publish(f"axis/{SERIAL}/event/marker", "after the retained ones")
        await late.wait_for(f"axis/{SERIAL}/event/marker")
        kept = [
            message.retain
            for topic in (RULE_TOPIC, TRIGGER_TOPIC)
            for message in late.received(topic)
        ]
    finally:
        late.stop()
    assert kept == ([True, True] if is_kept else [])
