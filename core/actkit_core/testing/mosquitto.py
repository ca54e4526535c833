"""A real mosquitto broker for tests: TCP, TLS, websockets and password listeners on free ports.

mosquitto has no ephemeral port (``listener 0`` is a unix socket), so free ports are picked here
and written into its config. It runs with ``user root`` in the config because, started as root, it
would otherwise drop to the ``mosquitto`` user and fail to read the test's key files.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from actkit_core.testing.certificates import CertificateAuthority
from actkit_core.testing.stack import free_port, wait_until_listening

USERNAME = "camera"
PASSWORD = "s3cret-Pa55"


@dataclass
class Mosquitto:
    """One mosquitto process and its listeners; ``restart()`` keeps the ports."""

    folder: Path
    host: str = "127.0.0.1"
    tcp_port: int = field(default_factory=free_port)
    tls_port: int = field(default_factory=free_port)
    ws_port: int = field(default_factory=free_port)
    wss_port: int = field(default_factory=free_port)
    auth_port: int = field(default_factory=free_port)
    """A TCP listener that only lets in :data:`USERNAME` with :data:`PASSWORD`."""
    mtls_port: int = field(default_factory=free_port)
    """A TLS listener that requires a client certificate signed by :attr:`ca`."""
    username: str = USERNAME
    password: str = PASSWORD
    process: subprocess.Popen[bytes] | None = None
    ca: CertificateAuthority = field(default_factory=CertificateAuthority)

    @property
    def ca_pem(self) -> str:
        """The PEM of the CA that signed the broker's certificate."""
        return self.ca.pem

    @property
    def log(self) -> str:
        """What mosquitto logged so far."""
        path = self.folder / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _write_config(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        cafile = self.ca.write(self.folder)
        certfile, keyfile = self.ca.issue("localhost", "127.0.0.1").write(self.folder, "server")
        passwords = self.folder / "passwords"
        passwords.write_text(f"{self.username}:{self.password}\n")
        subprocess.run(["mosquitto_passwd", "-U", str(passwords)], check=True)
        tls = f"cafile {cafile}\ncertfile {certfile}\nkeyfile {keyfile}\n"
        anonymous = "allow_anonymous true\n"
        config = self.folder / "mosquitto.conf"
        config.write_text(
            "user root\npersistence false\nper_listener_settings true\n"
            f"log_dest file {self.folder / 'mosquitto.log'}\n"
            "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
            f"listener {self.tcp_port} {self.host}\n{anonymous}"
            f"listener {self.tls_port} {self.host}\n{anonymous}{tls}"
            f"listener {self.ws_port} {self.host}\nprotocol websockets\n{anonymous}"
            f"listener {self.wss_port} {self.host}\nprotocol websockets\n{anonymous}{tls}"
            f"listener {self.auth_port} {self.host}\nallow_anonymous false\n"
            f"password_file {passwords}\n"
            f"listener {self.mtls_port} {self.host}\n{anonymous}{tls}require_certificate true\n"
        )
        return config

    def start(self, timeout_s: float = 10.0) -> None:
        """Start mosquitto and wait until every listener accepts connections.

        Raises:
            RuntimeError: it exited or did not listen in time; its log is included.
        """
        config = self.folder / "mosquitto.conf"
        if not config.exists():
            config = self._write_config()
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.process = subprocess.Popen(
            [binary, "-c", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        process = self.process
        waiting = wait_until_listening(
            self.host, self.ports, lambda: process.poll() is None, timeout_s
        )
        if process.poll() is not None:
            raise RuntimeError(f"mosquitto exited with {process.returncode}:\n{self.log}")
        if waiting:
            self.stop()
            raise RuntimeError(f"mosquitto did not listen on {waiting}:\n{self.log}")

    def stop(self, signum: int = signal.SIGTERM) -> None:
        """Stop mosquitto (``SIGKILL`` for an abrupt end) and wait for it to exit."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signum)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def start_on_free_ports(self, attempts: int = 5) -> None:
        """Start on newly picked ports, picking again when another process took one meanwhile.

        Raises:
            RuntimeError: it failed for another reason, or every attempt lost a port.
        """
        for attempt in range(attempts):
            if attempt:
                for name in ("tcp", "tls", "ws", "wss", "auth", "mtls"):
                    setattr(self, f"{name}_port", free_port())
                (self.folder / "mosquitto.conf").unlink(missing_ok=True)
                (self.folder / "mosquitto.log").unlink(missing_ok=True)
            ports = self.ports
            if len(set(ports)) < len(ports):
                continue
            try:
                self.start()
                return
            except RuntimeError:
                if "Unable to create" not in self.log and "in use" not in self.log:
                    raise
        raise RuntimeError(f"mosquitto lost a port to another process {attempts} times")

    @property
    def ports(self) -> list[int]:
        """Every listener's port."""
        return [
            self.tcp_port,
            self.tls_port,
            self.ws_port,
            self.wss_port,
            self.auth_port,
            self.mtls_port,
        ]

    def restart(self) -> None:
        """Stop and start again on the same ports (retained messages are not kept)."""
        self.stop()
        self.start()


class MqttPeer:
    """Another MQTT client (a camera, a dashboard) on the broker's TCP listener; MQTT 5, QoS 1."""

    def __init__(self, broker: Mosquitto) -> None:
        self.messages: list[mqtt.MQTTMessage] = []
        self._lock = threading.Lock()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.on_message = self._on_message
        self.client.connect(broker.host, broker.tcp_port)
        self.client.loop_start()

    def _on_message(self, _client: Any, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.messages.append(message)

    def subscribe(self, topic_filter: str) -> None:
        """Subscribe and wait for the broker's SUBACK."""
        done = threading.Event()
        self.client.on_subscribe = lambda *_args: done.set()
        self.client.subscribe(topic_filter, qos=1)
        if not done.wait(5):
            raise TimeoutError(f"no SUBACK for {topic_filter}")

    def publish(self, topic: str, payload: bytes | str, retain: bool = False) -> None:
        """Publish with QoS 1 and wait until the broker acknowledged it."""
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def received(self, topic: str) -> list[mqtt.MQTTMessage]:
        """The messages received so far on ``topic``."""
        with self._lock:
            return [message for message in self.messages if message.topic == topic]

    async def wait_for(
        self, topic: str, count: int = 1, timeout_s: float = 15.0
    ) -> list[mqtt.MQTTMessage]:
        """The first ``count`` or more messages on ``topic``, waiting up to ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while len(found := self.received(topic)) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(found)} of {count} messages on {topic}")
            await asyncio.sleep(0.02)
        return found

    def stop(self) -> None:
        """Disconnect and stop the network thread."""
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def mqtt_peer(mosquitto: Mosquitto) -> Iterator[MqttPeer]:
    """An MQTT client connected to :func:`mosquitto`."""
    peer = MqttPeer(mosquitto)
    try:
        yield peer
    finally:
        peer.stop()


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Mosquitto]:
    """A real mosquitto: TCP, TLS, websockets, WSS, password and client-certificate listeners."""
    broker = Mosquitto(folder=tmp_path / "mosquitto")
    broker.start_on_free_ports()
    try:
        yield broker
    finally:
        broker.stop()
