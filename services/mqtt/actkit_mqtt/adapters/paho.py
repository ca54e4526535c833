"""The broker connection on paho-mqtt, served by the service's event loop.

The socket is watched with ``add_reader`` / ``add_writer`` and paho's ``loop_read`` /
``loop_write`` / ``loop_misc`` run on the loop, so a message reaches the handlers without a thread
hand-off. Only paho's connect, which blocks (DNS, TCP, TLS handshake, WebSocket upgrade, HTTP
proxy), runs in a short-lived thread. paho's own reconnect loop swallows the reason a connection
failed, so this adapter reconnects itself and reports every failed attempt in words a person can
act on.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from actkit_mqtt.adapters.paho_client import describe_failure, new_client
from actkit_mqtt.domain import ConnectionConfig, Outgoing
from actkit_mqtt.ports import Received, Report, StatusReport
from actkit_proto import Unavailable
from actkit_proto.mqtt import ConnectionState, MqttVersion

if TYPE_CHECKING:
    from paho.mqtt.client import SocketLike

log = logging.getLogger(__name__)

SESSION_EXPIRY_S = 3600
"""How long the broker keeps a session without clean start (MQTT 5)."""


def _disconnect(client: mqtt.Client) -> None:
    """Send DISCONNECT now (so no last will); paho closes the socket once it is written."""
    client.disconnect()
    client.loop_write()


def _pending(sock: object) -> int:
    """Bytes a TLS socket has decrypted but not handed out yet: no readiness event tells of them."""
    pending: Callable[[], int] | None = getattr(sock, "pending", None)
    return pending() if pending is not None else 0


def _without_frames(exc: Exception) -> Exception:
    """``exc`` with no traceback, nor the exceptions it chains.

    A socket their frames hold (paho leaves a failed handshake's to them) is then closed at once,
    not whenever the garbage collector comes across the cycle.
    """
    link: BaseException | None = exc
    while link is not None:
        link.__traceback__ = None
        link = link.__cause__ or link.__context__
    return exc


def _in_a_thread(work: Callable[[], object], undo: Callable[[], object]) -> asyncio.Future[None]:
    """Run blocking ``work`` in a daemon thread of its own: a shutdown does not wait for it.

    ``undo`` closes what ``work`` opened when nobody can take it any more (the loop is closed).
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def settle(failure: Exception | None) -> None:
        if failure is None:
            done.set_result(None)
        else:
            done.set_exception(failure)

    def run() -> None:
        failure: Exception | None = None
        try:
            work()
        except Exception as exc:  # handed to the awaiting task, without its frames
            failure = _without_frames(exc)
        try:
            loop.call_soon_threadsafe(settle, failure)
        except RuntimeError:  # the event loop is closed, the service is shutting down
            if failure is None:
                undo()

    threading.Thread(target=run, name="mqtt-connect", daemon=True).start()
    return done


class PahoBroker:
    """One broker connection at a time, reconnecting with a growing delay when asked to."""

    def __init__(
        self,
        report: Callable[[Report], None],
        retry_min_s: float = 0.5,
        retry_max_s: float = 30.0,
    ) -> None:
        self._report = report
        self._retry_min_s = retry_min_s
        self._retry_max_s = retry_max_s
        self._filters: dict[str, int] = {}
        self._client: mqtt.Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._is_connected = False

    @property
    def is_connected(self) -> bool:
        """Whether messages can be sent now."""
        return self._is_connected

    async def connect(self, config: ConnectionConfig, filters: Mapping[str, int]) -> None:
        """(Re)connect with ``config``; the first attempt starts at once."""
        await self.disconnect(report=False)
        self._filters = dict(filters)
        self._task = asyncio.create_task(self._run(config), name="mqtt-broker")

    async def disconnect(self, *, report: bool = True) -> None:
        """Send DISCONNECT (so no last will), stop reconnecting, report ``disconnected``."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task])
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
        self._filters[topic_filter] = qos
        client = self._client
        if client is not None and self._is_connected:
            client.subscribe(topic_filter, qos)

    def unsubscribe(self, topic_filter: str) -> None:
        """Stop receiving ``topic_filter``."""
        self._filters.pop(topic_filter, None)
        client = self._client
        if client is not None and self._is_connected:
            client.unsubscribe(topic_filter)

    def mark_disconnected(self, client: mqtt.Client) -> None:
        """``client``'s connection dropped (a client left behind by a reconnect changes nothing)."""
        if client is self._client:
            self._is_connected = False

    async def _run(self, config: ConnectionConfig) -> None:
        try:
            client = new_client(config)
        except (ssl.SSLError, ValueError, OSError) as exc:
            self._report(StatusReport(ConnectionState.ERROR, f"TLS: {exc}", config.broker))
            return
        status = _Status(self, client, config)
        client.on_connect = status.on_connect
        client.on_disconnect = status.on_disconnect
        client.on_message = self._on_message
        self._client = client
        delay = self._retry_min_s
        try:
            while True:
                self._report(StatusReport(ConnectionState.CONNECTING, "", config.broker))
                reason = await status.attempt()
                self._is_connected = False
                self._report(StatusReport(ConnectionState.ERROR, reason, config.broker))
                if not config.reconnects:
                    break
                was_connected = status.was_connected
                delay = self._retry_min_s if was_connected else min(delay * 2, self._retry_max_s)
                await asyncio.sleep(delay)
        finally:
            self.mark_disconnected(client)

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            topic = message.topic
        except UnicodeDecodeError:
            log.warning("dropped a message whose topic is not UTF-8")
            return
        self._report(Received(topic, bytes(message.payload), bool(message.retain)))

    def announce_connected(self, client: mqtt.Client, config: ConnectionConfig) -> None:
        filters = list(self._filters.items())
        if filters:
            client.subscribe(filters)
        if config.connect_message is not None:
            hello = config.connect_message
            client.publish(hello.topic, hello.payload.encode(), hello.qos, hello.retain)
        if client is self._client:
            self._is_connected = True
        self._report(StatusReport(ConnectionState.CONNECTED, "", config.broker))


class _Status:
    """One connection's attempts: connect, serve the socket from the loop, say why it ended."""

    def __init__(self, broker: PahoBroker, client: mqtt.Client, config: ConnectionConfig) -> None:
        self.broker = broker
        self.client = client
        self.config = config
        self.refusal = ""
        self.was_connected = False
        self.has_connected_once = False
        self.ended: asyncio.Future[MQTTErrorCode] | None = None

    async def attempt(self) -> str:
        self.refusal = ""
        self.was_connected = False
        client = self.client
        try:
            await self._open()
        except Exception as exc:  # every failure becomes a status reason
            return describe_failure(exc, self.config)
        sock = client.socket()
        if sock is None:  # closed while the connecting thread wrote the CONNECT
            return self._why_ended(MQTTErrorCode.MQTT_ERR_NO_CONN)
        loop = asyncio.get_running_loop()
        self.ended = loop.create_future()
        client.on_socket_register_write = lambda *_: loop.add_writer(sock, self._writable)
        client.on_socket_unregister_write = lambda *_: self._forget(loop, sock, reads=False)
        client.on_socket_close = lambda *_: self._forget(loop, sock)
        loop.add_reader(sock, self._readable)
        if client.want_write():  # the CONNECT, if the connecting thread could not write it whole
            loop.add_writer(sock, self._writable)
        try:
            return await self._serve(self.ended)
        except Exception as exc:  # a broker sending garbage must not stop us
            log.warning("broker connection failed", exc_info=True)
            return f"{self._not_mqtt()} ({exc!r})"
        finally:
            for callback in ("on_socket_register_write", "on_socket_unregister_write"):
                setattr(client, callback, None)
            _disconnect(client)
            if client.socket() is not None:  # DISCONNECT not written whole: the socket stays
                self._forget(loop, sock)

    async def _open(self) -> None:
        """Connect with paho, blocking (DNS, TCP, TLS, WebSocket upgrade, proxy), in a thread."""
        client = self.client
        client.on_socket_close = None
        connect = client.reconnect if self.has_connected_once else lambda: self._connect(client)
        opened = _in_a_thread(connect, lambda: _disconnect(client))
        try:
            await asyncio.shield(opened)
        except asyncio.CancelledError:
            opened.add_done_callback(self._close_left_behind)
            raise
        self.has_connected_once = True

    def _close_left_behind(self, opened: asyncio.Future[None]) -> None:
        """A connect that ended after the attempt was given up: close what it opened."""
        if opened.exception() is None:
            _disconnect(self.client)

    async def _serve(self, ended: asyncio.Future[MQTTErrorCode]) -> str:
        """Until the connection ends: keep-alive, and the CONNACK's deadline."""
        answer_by = time.monotonic() + self.config.connect_timeout_s
        while True:
            await asyncio.wait([ended], timeout=0.5)
            if ended.done():
                return self._why_ended(ended.result())
            code = self.client.loop_misc()
            if code != MQTTErrorCode.MQTT_ERR_SUCCESS:
                return self._why_ended(code)
            if not self.was_connected and not self.refusal and time.monotonic() > answer_by:
                where = f"{self.config.host}:{self.config.port}"
                return (
                    f"{where} accepted the connection but did not answer the MQTT CONNECT "
                    f"within {self.config.connect_timeout_s} s: is it an MQTT port?"
                )

    def _readable(self) -> None:
        self._step(self._read)

    def _writable(self) -> None:
        self._step(self.client.loop_write)

    def _read(self) -> MQTTErrorCode:
        code = self.client.loop_read()
        while code == MQTTErrorCode.MQTT_ERR_SUCCESS and _pending(self.client.socket()):
            code = self.client.loop_read()
        return code

    def _step(self, work: Callable[[], MQTTErrorCode]) -> None:
        """Do paho's ``work`` on the socket; a failure ends the attempt, which says why."""
        ended = self.ended
        try:
            code = work()
        except Exception as exc:  # a broker sending garbage must not stop us
            if ended is not None and not ended.done():
                ended.set_exception(exc)
            return
        if code != MQTTErrorCode.MQTT_ERR_SUCCESS and ended is not None and not ended.done():
            ended.set_result(code)

    @staticmethod
    def _forget(loop: asyncio.AbstractEventLoop, sock: SocketLike, *, reads: bool = True) -> None:
        """Stop watching ``sock`` (before paho closes it: its descriptor may be reused)."""
        loop.remove_writer(sock)
        if reads:
            loop.remove_reader(sock)

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
        self.broker.mark_disconnected(self.client)
        if reason.is_failure and self.was_connected and not self.refusal:
            self.refusal = f"connection lost: {str(reason).lower()}"
