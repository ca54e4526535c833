"""The broker connection on paho-mqtt: its network loop runs in a thread of its own.

paho's connect is blocking (TCP, TLS handshake, WebSocket upgrade, HTTP proxy) and its reconnect
loop swallows the reason a connection failed. So this adapter drives ``client.loop()`` itself in
one thread per connection, keeps the exception of every failed attempt to report it in words a
person can act on, and hands every report to the asyncio loop with ``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
import socks
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from actkit_mqtt.domain import ConnectionConfig, Outgoing, split_proxy_password
from actkit_mqtt.ports import Received, Report, StatusReport
from actkit_proto import Unavailable
from actkit_proto.mqtt import ConnectionState, MqttVersion, Transport

log = logging.getLogger(__name__)

SESSION_EXPIRY_S = 3600
"""How long the broker keeps a session without clean start (MQTT 5)."""


def describe_failure(exc: BaseException, config: ConnectionConfig) -> str:
    """Why a connection attempt failed, in words a person can act on."""
    where = f"{config.host}:{config.port}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS: certificate verify failed ({exc.verify_message}); check the CA certificate"
    if isinstance(exc, ssl.CertificateError):
        return f"TLS: the broker's certificate does not match {config.host}: {exc}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS: {getattr(exc, 'reason', None) or exc}; is {where} a TLS listener?"
    if isinstance(exc, ConnectionRefusedError):
        return f"connection refused by {where}: is the broker running, and the port right?"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve host name {config.host!r}: check the host and DNS"
    if isinstance(exc, TimeoutError):
        return f"no answer from {where} within {config.connect_timeout_s} s"
    if isinstance(exc, mqtt.WebsocketConnectionError):
        return f"WebSocket upgrade refused by {where}: check the websocket path ({exc})"
    if isinstance(exc, socks.ProxyError):
        return f"proxy {split_proxy_password(config.proxy_url)[0]}: {exc.msg}"
    if isinstance(exc, OSError):
        return f"cannot connect to {where}: {exc.strerror or exc}"
    return f"cannot connect to {where}: {exc}"


def tls_context(config: ConnectionConfig) -> ssl.SSLContext:
    """The TLS settings of ``config`` as a context (certificates from PEM, no files kept).

    Raises:
        ssl.SSLError: a certificate or key cannot be loaded.
    """
    context = ssl.create_default_context(cadata=config.ca_certificate_pem or None)
    if not config.verifies_certificate:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if config.alpn_protocol:
        context.set_alpn_protocols([config.alpn_protocol])
    if config.client_certificate_pem:
        # load_cert_chain reads only files: write them private, load, delete at once.
        with tempfile.TemporaryDirectory() as folder:
            cert, key = Path(folder) / "cert.pem", Path(folder) / "key.pem"
            for path, pem in ((cert, config.client_certificate_pem), (key, config.client_key_pem)):
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
                with os.fdopen(descriptor, "w") as file:
                    file.write(pem)
            context.load_cert_chain(cert, key)
    return context


def _client(config: ConnectionConfig) -> mqtt.Client:
    is_v5 = config.version is MqttVersion.V5
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=config.client_id,
        clean_session=None if is_v5 else config.clean_session,
        protocol=mqtt.MQTTv5 if is_v5 else mqtt.MQTTv311,
        transport="websockets" if config.transport in (Transport.WS, Transport.WSS) else "tcp",
    )
    client.connect_timeout = config.connect_timeout_s
    if config.transport in (Transport.WS, Transport.WSS):
        client.ws_set_options(path=config.websocket_path)
    if config.transport.is_secure:
        client.tls_set_context(tls_context(config))
    if config.username:
        client.username_pw_set(config.username, config.password or None)
    if config.proxy_url:
        proxy = urlsplit(config.proxy_url)
        client.proxy_set(
            proxy_type=socks.HTTP,
            proxy_addr=proxy.hostname,
            proxy_port=proxy.port or 3128,
            proxy_username=unquote(proxy.username) if proxy.username else None,
            proxy_password=unquote(proxy.password) if proxy.password else None,
        )
    if config.last_will is not None:
        will = config.last_will
        client.will_set(will.topic, will.payload.encode(), will.qos, will.retain)
    return client


def _written_by_the_network_thread(*_: object) -> None:
    """Nothing to do: the network thread's ``loop`` writes what paho queued, woken by it."""


def _disconnect(client: mqtt.Client) -> None:
    """Send DISCONNECT now (so no last will): in the network thread, the one that writes."""
    client.disconnect()
    client.loop_write()


class PahoBroker:
    """One broker connection at a time, reconnecting with a growing delay when asked to."""

    def __init__(
        self,
        report: Callable[[Report], None],
        retry_min_s: float = 0.5,
        retry_max_s: float = 30.0,
    ) -> None:
        self._report_on_loop = report
        self._loop = asyncio.get_running_loop()
        self._retry_min_s = retry_min_s
        self._retry_max_s = retry_max_s
        self._lock = threading.Lock()
        self._filters: dict[str, int] = {}
        self._client: mqtt.Client | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._is_connected = False
        self._generation = 0
        self._thread_state = threading.local()

    @property
    def is_connected(self) -> bool:
        """Whether messages can be sent now."""
        return self._is_connected

    async def connect(self, config: ConnectionConfig, filters: Mapping[str, int]) -> None:
        """(Re)connect with ``config``; the first attempt starts at once."""
        await self.disconnect(report=False)
        with self._lock:
            self._filters = dict(filters)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run,
            args=(config, self._stop, self._generation),
            name="mqtt-broker",
            daemon=True,
        )
        self._thread.start()

    async def disconnect(self, *, report: bool = True) -> None:
        """Send DISCONNECT (so no last will), stop the thread, report ``disconnected``."""
        thread, client = self._thread, self._client
        self._stop.set()
        self._generation += 1
        if client is not None:
            client.disconnect()
        if thread is not None:
            # A blocking connect may hold the thread up to its timeout; it stops by itself after.
            await asyncio.to_thread(thread.join, 1.0)
        self._thread = None
        self._client = None
        self._is_connected = False
        if report:
            self._report(StatusReport(ConnectionState.DISCONNECTED))

    def publish(self, message: Outgoing) -> None:
        """Send one message; refused while not connected."""
        client = self._client
        if client is None or not self._is_connected:
            raise Unavailable("not connected to the MQTT broker; see the client status")
        info = client.publish(message.topic, message.payload.encode(), message.qos, message.retain)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            raise Unavailable(
                f"the broker connection refused the message: {mqtt.error_string(info.rc)}"
            )

    def subscribe(self, topic_filter: str, qos: int) -> None:
        """Subscribe now if connected; every reconnect subscribes again."""
        with self._lock:
            self._filters[topic_filter] = qos
        client = self._client
        if client is not None and self._is_connected:
            client.subscribe(topic_filter, qos)

    def unsubscribe(self, topic_filter: str) -> None:
        """Stop receiving ``topic_filter``."""
        with self._lock:
            self._filters.pop(topic_filter, None)
        client = self._client
        if client is not None and self._is_connected:
            client.unsubscribe(topic_filter)

    def mark_disconnected(self) -> None:
        """The connection dropped (called in the network thread)."""
        self._is_connected = False

    def _report(self, report: Report) -> None:
        # RuntimeError: the event loop is closed, the service is shutting down.
        with contextlib.suppress(RuntimeError):
            generation = getattr(self._thread_state, "generation", self._generation)
            self._loop.call_soon_threadsafe(self._deliver, generation, report)

    def _deliver(self, generation: int, report: Report) -> None:
        # A thread left behind by a reconnect (stuck in a blocking connect) must not report.
        if generation == self._generation:
            self._report_on_loop(report)

    def _run(self, config: ConnectionConfig, stop: threading.Event, generation: int) -> None:
        self._thread_state.generation = generation
        status = _Status(self, config)
        try:
            client = _client(config)
        except (ssl.SSLError, ValueError, OSError) as exc:
            self._report(StatusReport(ConnectionState.ERROR, f"TLS: {exc}", config.broker))
            return
        client.on_connect = status.on_connect
        client.on_disconnect = status.on_disconnect
        client.on_message = self._on_message
        # Only this thread writes to the socket. Told that another loop writes, paho queues what
        # the service's loop publishes and wakes this one; otherwise it writes at once from the
        # publishing thread, beside this one's writes: two threads in one socket garble frames
        # (the WebSocket transport's send buffer refused to grow under the other's view of it).
        client.on_socket_register_write = _written_by_the_network_thread
        if generation != self._generation:
            return
        self._client = client
        delay = self._retry_min_s
        while not stop.is_set():
            self._report(StatusReport(ConnectionState.CONNECTING, "", config.broker))
            reason = status.attempt(client, stop)
            if stop.is_set():
                break
            self._is_connected = False
            self._report(StatusReport(ConnectionState.ERROR, reason, config.broker))
            if not config.reconnects:
                break
            delay = self._retry_min_s if status.was_connected else min(delay * 2, self._retry_max_s)
            stop.wait(delay)
        _disconnect(client)
        if generation == self._generation:
            self._is_connected = False

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            topic = message.topic
        except UnicodeDecodeError:
            log.warning("dropped a message whose topic is not UTF-8")
            return
        self._report(Received(topic, bytes(message.payload), bool(message.retain)))

    def announce_connected(self, client: mqtt.Client, config: ConnectionConfig) -> None:
        with self._lock:
            filters = list(self._filters.items())
        if filters:
            client.subscribe(filters)
        if config.connect_message is not None:
            hello = config.connect_message
            client.publish(hello.topic, hello.payload.encode(), hello.qos, hello.retain)
        if self._thread_state.generation == self._generation:
            self._is_connected = True
        self._report(StatusReport(ConnectionState.CONNECTED, "", config.broker))


class _Status:
    """One connection's attempt: connect, run the loop, and say why it ended."""

    def __init__(self, broker: PahoBroker, config: ConnectionConfig) -> None:
        self.broker = broker
        self.config = config
        self.refusal = ""
        self.was_connected = False
        self.has_connected_once = False

    def attempt(self, client: mqtt.Client, stop: threading.Event) -> str:
        self.refusal = ""
        self.was_connected = False
        try:
            if self.has_connected_once:
                client.reconnect()
            else:
                self._connect(client)
                self.has_connected_once = True
        except Exception as exc:  # every failure becomes a status reason
            return describe_failure(exc, self.config)
        answer_by = time.monotonic() + self.config.connect_timeout_s
        try:
            while not stop.is_set():
                code = client.loop(timeout=0.5)
                if code != MQTTErrorCode.MQTT_ERR_SUCCESS:
                    return self._why_ended(code)
                if not self.was_connected and not self.refusal and time.monotonic() > answer_by:
                    _disconnect(client)
                    where = f"{self.config.host}:{self.config.port}"
                    return (
                        f"{where} accepted the connection but did not answer the MQTT CONNECT "
                        f"within {self.config.connect_timeout_s} s: is it an MQTT port?"
                    )
        except Exception as exc:  # a broker sending garbage must not stop us
            log.warning("broker connection failed", exc_info=True)
            _disconnect(client)
            return f"{self._not_mqtt()} ({exc!r})"
        return ""

    def _why_ended(self, code: MQTTErrorCode) -> str:
        if self.refusal:
            return self.refusal
        if self.was_connected:
            return f"connection lost: {mqtt.error_string(code).lower()}"
        if code == MQTTErrorCode.MQTT_ERR_PROTOCOL:
            return self._not_mqtt()
        where = f"{self.config.host}:{self.config.port}"
        if self.config.transport.is_secure and not self.config.client_certificate_pem:
            return (
                f"{where} closed the connection before accepting the client: "
                "does the broker require a client certificate?"
            )
        return f"{where} closed the connection before accepting the client: is it an MQTT port?"

    def _not_mqtt(self) -> str:
        where = f"{self.config.host}:{self.config.port}"
        return f"{where} answered with something that is not MQTT: is it an MQTT port?"

    def _connect(self, client: mqtt.Client) -> None:
        config = self.config
        if config.version is MqttVersion.V5:
            properties = None
            if not config.clean_session:
                properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
                properties.SessionExpiryInterval = SESSION_EXPIRY_S
            client.connect(
                config.host,
                config.port,
                config.keep_alive_s,
                clean_start=config.clean_session,
                properties=properties,
            )
        else:
            client.connect(config.host, config.port, config.keep_alive_s)

    def on_connect(
        self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _properties: Any
    ) -> None:
        if reason.is_failure:
            self.refusal = f"connection refused: {str(reason).lower()}"
            return
        self.was_connected = True
        self.broker.announce_connected(client, self.config)

    def on_disconnect(
        self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _properties: Any
    ) -> None:
        self.broker.mark_disconnected()
        if reason.is_failure and self.was_connected and not self.refusal:
            self.refusal = f"connection lost: {str(reason).lower()}"
