"""The manual's "Activate the kit over MQTT when the camera detects motion", on the whole stack."""

from __future__ import annotations

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.mosquitto import Mosquitto, MqttPeer
from actkit_core.testing.stack import Stack
from actkit_proto.events import CreateRule, HoldIoAction, MqttStatefulCondition, RuleSpec
from actkit_proto.io import Circuit, ConfigurePort, Direction, GetPort
from actkit_proto.mqtt import (
    AddSubscription,
    ConnectionState,
    GetClientStatus,
    SetClientSettings,
    SubscriptionSpec,
)

pytestmark = pytest.mark.timeout(120)


async def test_camera_motion_holds_port_1_active_while_motion_is_on(
    stack: Stack, mosquitto: Mosquitto, mqtt_peer: MqttPeer
) -> None:
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        await motion_holds_port_1(bus, mosquitto, mqtt_peer)


async def motion_holds_port_1(bus: Bus, mosquitto: Mosquitto, mqtt_peer: MqttPeer) -> None:
    """The example on a stack that ``bus`` reaches and whose mqtt service reaches ``mosquitto``."""
    await bus.request(
        ConfigurePort(
            port_id=1, name="Siren", direction=Direction.OUTPUT, normal_state=Circuit.OPEN
        )
    )
    await bus.request(
        SetClientSettings(
            is_enabled=True,
            host=mosquitto.host,
            port=mosquitto.auth_port,
            client_id="Port 1",
            username=mosquitto.username,
            password=mosquitto.password,
        ),
        timeout_s=10,
    )
    await bus.request(AddSubscription(spec=SubscriptionSpec(filter="Motion", is_stateful=True)))
    await bus.request(
        CreateRule(
            rule=RuleSpec(
                name="Motion detected",
                conditions=[MqttStatefulCondition(subscription="Motion", payload="On")],
                action=HoldIoAction(port_id=1),
            )
        )
    )

    async def connected() -> bool:
        status = await bus.request(GetClientStatus())
        return status.state is ConnectionState.CONNECTED

    async def port_1_active() -> bool:
        return (await bus.request(GetPort(port_id=1))).is_active

    async def port_1_inactive() -> bool:
        return not await port_1_active()

    await eventually(connected, timeout_s=20)
    mqtt_peer.publish("Motion", "On")  # the camera's rule "Motion detected"
    await eventually(port_1_active, timeout_s=20)
    mqtt_peer.publish("Motion", "Off")  # the camera's rule "No motion"
    await eventually(port_1_inactive, timeout_s=20)
