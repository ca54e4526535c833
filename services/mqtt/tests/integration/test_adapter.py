"""The paho adapter on its own, against a real broker."""

import asyncio
import threading

from actkit_core.testing.eventually import eventually
from actkit_core.testing.mosquitto import Mosquitto, MqttPeer
from actkit_mqtt import domain
from actkit_mqtt.adapters.paho import PahoBroker
from actkit_mqtt.ports import Received, Report
from actkit_proto.mqtt import ClientSettings

SERIAL = "B8A44F0000AA"


def _threads_of_the_adapter(before: set[threading.Thread]) -> list[str]:
    """Threads of this adapter started since ``before`` (an earlier test's connect may linger)."""
    now = set(threading.enumerate()) - before
    return [thread.name for thread in now if thread.name.startswith("mqtt")]


async def test_the_connection_is_served_by_the_event_loop_not_a_thread_of_its_own(
    mosquitto: Mosquitto, mqtt_peer: MqttPeer
) -> None:
    # A thread of its own would wait for the interpreter's lock behind the loop's work, up to
    # its switch interval (5 ms) per message; only the blocking connect takes a thread.
    before = set(threading.enumerate())
    reports: list[Report] = []
    broker = PahoBroker(reports.append)
    settings = ClientSettings(host=mosquitto.host, port=mosquitto.tcp_port)
    await broker.connect(domain.connection_config(settings, domain.Secrets(), SERIAL), {"cam/#": 1})
    try:
        await eventually(lambda: broker.is_connected)
        await eventually(lambda: not _threads_of_the_adapter(before))
        # Retained: delivered whether the broker has taken the subscription yet or not.
        await asyncio.to_thread(mqtt_peer.publish, "cam/motion", "On", retain=True)
        received = await eventually(lambda: [r for r in reports if isinstance(r, Received)])
        assert [(r.topic, r.payload) for r in received] == [("cam/motion", b"On")]
        assert not _threads_of_the_adapter(before)
    finally:
        await broker.disconnect()
