"""The mqtt service in the whole stack: real io, per-service NATS permissions, real mosquitto."""

from __future__ import annotations

import json

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.mosquitto import Mosquitto, MqttPeer
from actkit_core.testing.stack import Stack
from actkit_proto.io import Circuit, DriveInput, GetPort
from actkit_proto.mqtt import (
    ConnectionState,
    DeviceEventKind,
    GetClientStatus,
    HomeAssistant,
    Publication,
    RetainPolicy,
    SetClientSettings,
    SetHomeAssistant,
    SetPublication,
)
from actkit_proto.system import GetIdentity

pytestmark = pytest.mark.timeout(120)


async def test_input_edges_reach_the_broker_and_home_assistant_switches_the_relay(
    stack: Stack, mosquitto: Mosquitto, mqtt_peer: MqttPeer
) -> None:
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        # One identity: the prefix carries the serial the system service tells.
        prefix = f"axis/{(await bus.request(GetIdentity())).serial_number}"
        mqtt_peer.subscribe(f"{prefix}/#")
        await bus.request(
            SetPublication(
                publication=Publication(
                    conditions=[DeviceEventKind.PORT], retain=RetainPolicy.PROPERTY
                )
            )
        )
        await bus.request(
            SetClientSettings(is_enabled=True, host=mosquitto.host, port=mosquitto.tcp_port),
            timeout_s=10,
        )

        async def connected() -> bool:
            status = await bus.request(GetClientStatus())
            return status.state is ConnectionState.CONNECTED

        await eventually(connected, timeout_s=20)
        input_topic = f"{prefix}/event/onvif:Device/axis:IO/Port/0"  # VAPIX id of port 1
        [initial] = await mqtt_peer.wait_for(input_topic)  # every port's state on connect
        assert json.loads(initial.payload)["message"]["data"] == {"state": "0"}
        await mqtt_peer.wait_for(f"{prefix}/event/onvif:Device/Trigger/Relay/8")  # output 9
        await bus.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))
        [_, edge] = await mqtt_peer.wait_for(input_topic, count=2)
        assert edge.retain is False  # live delivery; the broker keeps it for late subscribers
        assert json.loads(edge.payload)["message"]["data"] == {"state": "1"}

        await bus.request(SetHomeAssistant(settings=HomeAssistant(is_enabled=True)))
        await mqtt_peer.wait_for(f"{prefix}/homeassistant/port/9/state")
        mqtt_peer.publish(f"{prefix}/homeassistant/port/9/set", "ON")

        async def relay_on() -> bool:
            return (await bus.request(GetPort(port_id=9))).is_active

        await eventually(relay_on, timeout_s=20)
        await bus.request(SetClientSettings(is_enabled=False))
