import socket
import ssl
import threading
from pathlib import Path
from typing import Literal

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from actkit_core.testing.mosquitto import Mosquitto


def _connect(broker: Mosquitto, listener: str, username: str | None = None) -> ReasonCode:
    transport: Literal["tcp", "websockets"] = "websockets" if listener in ("ws", "wss") else "tcp"
    client = mqtt.Client(CallbackAPIVersion.VERSION2, transport=transport, protocol=mqtt.MQTTv5)
    if listener in ("tls", "wss"):
        context = ssl.create_default_context(cadata=broker.ca_pem)
        client.tls_set_context(context)
    if username is not None:
        client.username_pw_set(username, broker.password)
    answered = threading.Event()
    codes: list[ReasonCode] = []

    def on_connect(*args: object) -> None:
        codes.append(args[3])  # type: ignore[arg-type]
        answered.set()

    client.on_connect = on_connect
    client.connect(broker.host, getattr(broker, f"{listener}_port"))
    client.loop_start()
    try:
        assert answered.wait(5), broker.log
    finally:
        client.disconnect()
        client.loop_stop()
    return codes[0]


@pytest.mark.parametrize("listener", ["tcp", "tls", "ws", "wss"])
def test_every_listener_accepts_an_mqtt5_client(mosquitto: Mosquitto, listener: str) -> None:
    assert not _connect(mosquitto, listener).is_failure


def test_password_listener_refuses_strangers_and_admits_the_user(mosquitto: Mosquitto) -> None:
    assert _connect(mosquitto, "auth", username="nobody").is_failure
    assert not _connect(mosquitto, "auth", username=mosquitto.username).is_failure


def test_restart_keeps_the_ports(mosquitto: Mosquitto) -> None:
    port = mosquitto.tcp_port
    mosquitto.restart()
    assert mosquitto.tcp_port == port
    assert not _connect(mosquitto, "tcp").is_failure


def test_a_port_taken_meanwhile_is_replaced_by_a_free_one(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        broker = Mosquitto(folder=tmp_path / "mosquitto", tcp_port=taken)
        broker.start_on_free_ports()
        try:
            assert broker.tcp_port != taken
            assert not _connect(broker, "tcp").is_failure
        finally:
            broker.stop()
