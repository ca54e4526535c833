"""The mqtt service in the whole stack: real io, per-service NATS permissions, real mosquitto."""

from __future__ import annotations

import asyncio
import json

import pytest

from actkit_core.bus import Bus
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

pytestmark = pytest.mark.timeout(120)

PREFIX = "axis/B8A44F000001"


async def _until(check, timeout_s: float = 20.0):  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not (value := await check()):
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)
    return value


async def test_input_edges_reach_the_broker_and_home_assistant_switches_the_relay(
    stack: Stack, mosquitto: Mosquitto, mqtt_peer: MqttPeer
) -> None:
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        mqtt_peer.subscribe(f"{PREFIX}/#")
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

        await _until(connected)
        await bus.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))
        [edge] = await mqtt_peer.wait_for(f"{PREFIX}/event/tns1:Device/tnsaxis:IO/Port/1")
        assert edge.retain is False  # live delivery; the broker keeps it for late subscribers
        assert json.loads(edge.payload)["message"]["data"]["active"] is True

        await bus.request(SetHomeAssistant(settings=HomeAssistant(is_enabled=True)))
        await mqtt_peer.wait_for(f"{PREFIX}/homeassistant/port/9/state")
        mqtt_peer.publish(f"{PREFIX}/homeassistant/port/9/set", "ON")

        async def relay_on() -> bool:
            return (await bus.request(GetPort(port_id=9))).is_active

        await _until(relay_on)
        await bus.request(SetClientSettings(is_enabled=False))
