"""Rule activity on the whole stack: input 1 drives a rule, the broker hears it turn on and off."""

from __future__ import annotations

import json

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.mosquitto import Mosquitto, MqttPeer
from actkit_core.testing.stack import Stack
from actkit_proto.events import (
    CreateRule,
    InputCondition,
    PulseIoAction,
    RuleSpec,
    SetManualTrigger,
)
from actkit_proto.io import Circuit, DriveInput
from actkit_proto.mqtt import (
    ConnectionState,
    DeviceEventKind,
    GetClientStatus,
    Publication,
    RetainPolicy,
    SetClientSettings,
    SetPublication,
)
from actkit_proto.system import GetIdentity

pytestmark = pytest.mark.timeout(120)


async def test_a_rule_driven_by_input_1_is_published_active_then_inactive(
    stack: Stack, mosquitto: Mosquitto, mqtt_peer: MqttPeer
) -> None:
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        events = f"axis/{(await bus.request(GetIdentity())).serial_number}/event"
        mqtt_peer.subscribe(f"{events}/#")
        conditions = [DeviceEventKind.RULE, DeviceEventKind.MANUAL_TRIGGER]
        await bus.request(
            SetPublication(
                publication=Publication(conditions=conditions, retain=RetainPolicy.PROPERTY)
            )
        )
        await bus.request(
            SetClientSettings(is_enabled=True, host=mosquitto.host, port=mosquitto.tcp_port),
            timeout_s=10,
        )

        async def connected() -> bool:
            return (await bus.request(GetClientStatus())).state is ConnectionState.CONNECTED

        await eventually(connected, timeout_s=20)
        rule = await bus.request(
            CreateRule(
                rule=RuleSpec(
                    name="Doors open",
                    conditions=[InputCondition(port_id=1)],
                    action=PulseIoAction(port_id=9, duration_ms=200),
                )
            )
        )
        topic = f"{events}/onvif:Device/axis:Rule/Active/{rule.rule_id}"

        await bus.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))
        [active] = await mqtt_peer.wait_for(topic)
        await bus.request(DriveInput(port_id=1, circuit=Circuit.OPEN))
        [_, inactive] = await mqtt_peer.wait_for(topic, count=2)
        bodies = [json.loads(message.payload) for message in (active, inactive)]
        assert [body["message"]["data"]["active"] for body in bodies] == [True, False]
        assert {body["message"]["source"]["rule"] for body in bodies} == {str(rule.rule_id)}
        assert bodies[0]["timestamp"] <= bodies[1]["timestamp"]
        late = MqttPeer(mosquitto)
        try:
            late.subscribe(topic)
            [kept] = await late.wait_for(topic)
        finally:
            late.stop()
        assert kept.retain is True  # the broker keeps the rule's last state: inactive
        assert json.loads(kept.payload)["message"]["data"]["active"] is False

        await bus.request(SetManualTrigger(trigger_id=1, is_on=True))
        [trigger] = await mqtt_peer.wait_for(f"{events}/onvif:Device/axis:IO/ManualTrigger/1")
        assert json.loads(trigger.payload)["message"]["data"] == {"active": True}
        await bus.request(SetClientSettings(is_enabled=False))
