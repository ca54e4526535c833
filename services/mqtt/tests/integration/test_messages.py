import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.mosquitto import Mosquitto, MqttPeer
from actkit_proto import Invalid, Unavailable
from actkit_proto.ble import BeaconReceived
from actkit_proto.io import Circuit, Direction, PortChanged
from actkit_proto.mqtt import (
    AddSubscription,
    ClientStatusChanged,
    ConnectionState,
    DeviceEventKind,
    GetClientStatus,
    MessageSpec,
    MqttMessageReceived,
    MqttTopicChanged,
    Publication,
    PublishMqtt,
    RetainPolicy,
    SetPublication,
    SubscriptionSpec,
    topic_id,
)

from .conftest import SERIAL, connect, record, wait_state

CONNECTION_TOPIC = f"axis/{SERIAL}/event/connection"


async def test_connect_message_is_sent_on_connect(
    service: Bus, mosquitto: Mosquitto, mqtt_peer: MqttPeer
) -> None:
    mqtt_peer.subscribe(CONNECTION_TOPIC)
    await connect(service, mosquitto, connect_message=MessageSpec(is_enabled=True, qos=1))
    [hello] = await mqtt_peer.wait_for(CONNECTION_TOPIC)
    assert json.loads(hello.payload) == {"serial": SERIAL, "connected": True}


async def test_custom_connect_message_uses_its_topic_and_payload(
    service: Bus, mosquitto: Mosquitto, mqtt_peer: MqttPeer
) -> None:
    mqtt_peer.subscribe("vehicles/42/kit")
    spec = MessageSpec(is_enabled=True, uses_default=False, topic="vehicles/42/kit", payload="up")
    await connect(service, mosquitto, connect_message=spec)
    [hello] = await mqtt_peer.wait_for("vehicles/42/kit")
    assert hello.payload == b"up"
    assert hello.retain is False  # delivered live; retain shows only to late subscribers


async def test_last_will_is_delivered_when_the_service_is_killed(
    bus: Bus,
    nats_server: str,
    tmp_path: Path,
    mosquitto: Mosquitto,
    mqtt_peer: MqttPeer,
    system: None,
) -> None:
    environment = {
        **os.environ,
        "ACTKIT_MQTT_NATS_URL": nats_server,
        "ACTKIT_MQTT_DATA_DIR": str(tmp_path / "killed"),
        "ACTKIT_MQTT_METRICS_PORT": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", "from actkit_mqtt.main import run; run()"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await eventually(
            lambda: bus.request(GetClientStatus(), timeout_s=0.5),
            timeout_s=30,
            ignoring=(Unavailable,),
        )
        mqtt_peer.subscribe(CONNECTION_TOPIC)
        await connect(
            bus,
            mosquitto,
            connect_message=MessageSpec(is_enabled=True),
            last_will=MessageSpec(is_enabled=True),
        )
        await mqtt_peer.wait_for(CONNECTION_TOPIC)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        [_hello, will] = await mqtt_peer.wait_for(CONNECTION_TOPIC, count=2)
        assert json.loads(will.payload) == {"serial": SERIAL, "connected": False}
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


async def _publish_port_and_beacon(service: Bus, policy: RetainPolicy) -> None:
    publication = Publication(
        conditions=[DeviceEventKind.PORT, DeviceEventKind.BEACON], retain=policy, qos=1
    )
    await service.request(SetPublication(publication=publication))
    await service.publish(
        PortChanged(
            port_id=1,
            direction=Direction.INPUT,
            is_active=True,
            circuit=Circuit.CLOSED,
            edge_ns=1,
        )
    )
    await service.publish(BeaconReceived(system_id=7, message_type=1, sequence=3))


@pytest.mark.parametrize(
    ("policy", "retained"),
    [
        (RetainPolicy.NONE, set()),
        (RetainPolicy.PROPERTY, {"port"}),
        (RetainPolicy.ALL, {"port", "beacon"}),
    ],
)
async def test_retained_publication_honours_the_policy(
    service: Bus,
    mosquitto: Mosquitto,
    mqtt_peer: MqttPeer,
    policy: RetainPolicy,
    retained: set[str],
) -> None:
    port_topic = f"axis/{SERIAL}/event/onvif:Device/axis:IO/Port/0"
    beacon_topic = f"axis/{SERIAL}/event/axis:Bluetooth/Beacon/Received/7"
    mqtt_peer.subscribe(f"axis/{SERIAL}/event/#")
    await connect(service, mosquitto)
    await wait_state(service, ConnectionState.CONNECTED)
    await _publish_port_and_beacon(service, policy)
    [port] = await mqtt_peer.wait_for(port_topic)
    await mqtt_peer.wait_for(beacon_topic)
    body = json.loads(port.payload)
    assert body["topic"] == "onvif:Device/axis:IO/Port"
    assert body["message"]["source"] == {"port": "0"}  # the VAPIX id of connector port 1
    assert body["message"]["data"] == {"state": "1"}

    late = MqttPeer(mosquitto)
    try:
        late.subscribe(f"axis/{SERIAL}/event/#")
        # The broker sends retained messages right after SUBACK, before anything newer.
        mqtt_peer.publish(f"axis/{SERIAL}/event/marker", "after the retained ones")
        await late.wait_for(f"axis/{SERIAL}/event/marker")
        kept = {
            name
            for name, topic in (("port", port_topic), ("beacon", beacon_topic))
            if late.received(topic)
        }
    finally:
        late.stop()
    assert kept == retained


async def test_publish_command_reaches_the_broker_and_refuses_when_disconnected(
    service: Bus, mosquitto: Mosquitto, mqtt_peer: MqttPeer
) -> None:
    with pytest.raises(Unavailable, match="MQTT client is off"):
        await service.request(PublishMqtt(topic="Motion", payload="On"))
    mqtt_peer.subscribe(f"axis/{SERIAL}/#")
    await connect(service, mosquitto)
    await wait_state(service, ConnectionState.CONNECTED)
    await service.request(PublishMqtt(topic="lights", payload="On", use_device_prefix=True, qos=1))
    [message] = await mqtt_peer.wait_for(f"axis/{SERIAL}/lights")
    assert message.payload == b"On"
    with pytest.raises(Invalid, match="wildcard"):
        await service.request(PublishMqtt(topic="cars/+/door", payload="x"))
    mosquitto.stop()
    await wait_state(service, ConnectionState.ERROR)
    with pytest.raises(Unavailable, match="not connected to the MQTT broker"):
        await service.request(PublishMqtt(topic="Motion", payload="On"))


async def test_subscriptions_turn_messages_into_bus_events_with_wildcards(
    service: Bus, mosquitto: Mosquitto, mqtt_peer: MqttPeer
) -> None:
    stateless = await record(service, MqttMessageReceived)
    await connect(service, mosquitto)
    await wait_state(service, ConnectionState.CONNECTED)
    await service.request(AddSubscription(spec=SubscriptionSpec(filter="Motion", is_stateful=True)))
    await service.request(AddSubscription(spec=SubscriptionSpec(filter="cars/+/door", qos=1)))
    await service.request(
        AddSubscription(spec=SubscriptionSpec(filter="cmd/#", uses_device_prefix=True))
    )
    mqtt_peer.publish("Motion", "On")
    mqtt_peer.publish("cars/7/door", "open")
    mqtt_peer.publish("cars/7/8/door", "ignored")
    mqtt_peer.publish(f"axis/{SERIAL}/cmd/siren", b"\xff\xfe")  # not UTF-8: dropped
    mqtt_peer.publish(f"axis/{SERIAL}/cmd/lights", "on")

    async def motion() -> list[MqttTopicChanged]:
        return await service.current(MqttTopicChanged, topic_id=topic_id("Motion"))

    [state] = await eventually(motion, timeout_s=15)
    assert (state.topic, state.payload, state.subscription) == ("Motion", "On", "Motion")
    await eventually(lambda: len(stateless) >= 2, timeout_s=15)
    assert [(m.topic, m.payload, m.subscription) for m in stateless] == [
        ("cars/7/door", "open", "cars/+/door"),
        (f"axis/{SERIAL}/cmd/lights", "on", "cmd/#"),
    ]


async def test_broker_restart_reconnects_and_restores_subscriptions(
    service: Bus, mosquitto: Mosquitto
) -> None:
    statuses = await record(service, ClientStatusChanged)
    await connect(service, mosquitto)
    await wait_state(service, ConnectionState.CONNECTED)
    await service.request(AddSubscription(spec=SubscriptionSpec(filter="Motion", is_stateful=True)))
    mosquitto.restart()

    async def reconnected() -> bool:
        states = [status.state for status in statuses]
        return ConnectionState.ERROR in states and states[-1] is ConnectionState.CONNECTED

    await eventually(reconnected, timeout_s=15)
    outage = next(status for status in statuses if status.state is ConnectionState.ERROR)
    assert outage.reason.startswith("connection lost")
    peer = MqttPeer(mosquitto)
    try:
        peer.publish("Motion", "Off")

        async def motion() -> list[MqttTopicChanged]:
            return await service.current(MqttTopicChanged, topic_id=topic_id("Motion"))

        [state] = await eventually(motion, timeout_s=15)
        assert state.payload == "Off"
    finally:
        peer.stop()
