"""Rules do what the manual says on the whole stack: a beacon rule needs no second step, a
retained MQTT message is not news on every reconnect, and a rule the board cannot carry is
refused by name."""

from __future__ import annotations

import asyncio

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.mosquitto import Mosquitto, MqttPeer
from actkit_core.testing.stack import Stack
from actkit_proto import Invalid
from actkit_proto.ble import GetBeaconSettings, InjectBeacon
from actkit_proto.events import (
    BeaconCondition,
    CreateRule,
    HoldIoAction,
    InputCondition,
    LogKind,
    MqttStatelessCondition,
    PulseIoAction,
    QueryEventLog,
    RuleSpec,
    TraceRule,
)
from actkit_proto.io import GetPort
from actkit_proto.mqtt import (
    AddSubscription,
    MqttMessageReceived,
    SetClientSettings,
    SubscriptionSpec,
)

pytestmark = pytest.mark.timeout(120)

CAMERAS = 0x00C0FFEE


async def test_a_beacon_rule_fires_without_its_system_id_in_the_watch_list(stack: Stack) -> None:
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        rule = await bus.request(
            CreateRule(
                rule=RuleSpec(
                    name="Cameras recording",
                    conditions=[BeaconCondition(system_id=CAMERAS, message_type=1)],
                    action=HoldIoAction(port_id=9),
                )
            )
        )
        assert (await bus.request(GetBeaconSettings())).watched_system_ids == []

        async def relay_held() -> bool:
            # The sim radio hears only while scanning: inject until ble watches the System ID.
            await bus.request(InjectBeacon(system_id=CAMERAS, message_type=1))
            return (await bus.request(GetPort(port_id=9))).is_active

        await eventually(relay_held, timeout_s=20)
        assert (await bus.request(TraceRule(rule_id=rule.rule_id))).is_active


async def test_a_retained_message_fires_a_stateless_rule_on_no_reconnect(
    stack: Stack, mosquitto: Mosquitto, mqtt_peer: MqttPeer
) -> None:
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        received: asyncio.Queue[MqttMessageReceived] = asyncio.Queue()
        await bus.subscribe(MqttMessageReceived, received.put)
        await bus.client.flush()
        mqtt_peer.publish("cams/1/state", "recording", retain=True)
        await bus.request(AddSubscription(spec=SubscriptionSpec(filter="cams/+/state")))

        async def add(name: str, payload: str | None) -> int:
            condition = MqttStatelessCondition(subscription="cams/+/state", payload=payload)
            action = PulseIoAction(port_id=9, duration_ms=100)
            rule = await bus.request(
                CreateRule(rule=RuleSpec(name=name, conditions=[condition], action=action))
            )
            assert rule.warnings == []
            return rule.rule_id

        any_message = await add("Camera", None)
        marker = await add("Camera stopped", "stopped")

        async def connect() -> None:
            await bus.request(
                SetClientSettings(is_enabled=True, host=mosquitto.host, port=mosquitto.tcp_port),
                timeout_s=10,
            )
            delivered = await asyncio.wait_for(received.get(), 20)
            assert (delivered.payload, delivered.retained) == ("recording", True)

        for _reconnect in range(3):  # a patchy link: each connect gets the stored copy again
            await connect()
            await bus.request(SetClientSettings(is_enabled=False), timeout_s=10)
        await connect()
        mqtt_peer.publish("cams/1/state", "stopped")  # news

        async def activations(rule_id: int) -> int:
            log = await bus.request(QueryEventLog(rule_id=rule_id))
            return sum(e.kind is LogKind.ACTIVATED for e in log.entries)

        async def marker_fired() -> bool:
            return await activations(marker) > 0

        # events takes the messages in order: once the news fired, the copies were taken too.
        await eventually(marker_fired, timeout_s=20)
        assert await activations(any_message) == 1


async def test_a_rule_on_a_port_the_board_lacks_is_refused_naming_the_board(
    stack: Stack,
) -> None:
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        spec = RuleSpec(
            name="Lightbar",
            conditions=[InputCondition(port_id=20)],
            action=PulseIoAction(port_id=9, duration_ms=100),
        )
        with pytest.raises(Invalid, match="the AXIS W401 has no port 20; its ports 1-9"):
            await bus.request(CreateRule(rule=spec))
