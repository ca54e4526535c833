"""Messages of the mqtt service: publish to the broker, and what arrives from it."""

from __future__ import annotations

import base64
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from actkit_proto.base import Ack, Command, Event, Reply, Role, RowId, read_only, write_only

Qos = Annotated[int, Field(ge=0, le=2)]
Topic = Annotated[str, Field(min_length=1, max_length=65535)]
StoreCertificateId = Annotated[
    str, Field(max_length=64, pattern=r"^[A-Za-z0-9_\-]*$", description="Empty: none.")
]
"""A certificate of the device's store (accounts) by id, or none."""


def topic_id(topic: str) -> str:
    """A subject-safe id of an MQTT topic (URL-safe base64 without padding)."""
    return base64.urlsafe_b64encode(topic.encode()).decode().rstrip("=")


def topic_of(topic_id_: str) -> str:
    """The MQTT topic of a :func:`topic_id`."""
    padding = "=" * (-len(topic_id_) % 4)
    return base64.urlsafe_b64decode(topic_id_ + padding).decode()


class PublishMqtt(Command[Ack]):
    """Publish a message to the broker (the rules' "Send MQTT publish" action)."""

    subject: ClassVar[str] = "mqtt.publish"
    required_role: ClassVar[Role] = Role.OPERATOR

    topic: Topic
    payload: str = Field(max_length=262_144)
    qos: Qos = 0
    retain: bool = False
    use_device_prefix: bool = False
    """Prefix the topic with the device topic prefix (``axis/<serial>`` by default)."""


class MqttMessageReceived(Event):
    """A message arrived on one of the subscriptions (the "Stateless" condition)."""

    subject: ClassVar[str] = "mqtt.message.received"

    topic: str
    payload: str
    subscription: str
    """The subscription filter it matched."""
    retained: bool = False
    """The broker's stored message for the topic, sent because the client (re)subscribed (on
    every reconnect), not a new one; rules take it for old news and do not fire on it."""


class MqttTopicChanged(Event):
    """The last payload of a topic on a stateful subscription (the "Stateful" condition).

    ``topic_id`` is :func:`topic_id` of ``topic``, so the KV bucket keeps one value per topic.
    """

    subject: ClassVar[str] = "mqtt.topic.{topic_id}.changed"
    stateful: ClassVar[bool] = True

    topic_id: str
    topic: str
    payload: str
    subscription: str


class Transport(StrEnum):
    """How the client reaches the broker."""

    TCP = "tcp"
    SSL = "ssl"
    WS = "ws"
    WSS = "wss"

    @property
    def default_port(self) -> int:
        """The port a broker usually listens on for this transport."""
        return {"tcp": 1883, "ssl": 8883, "ws": 80, "wss": 443}[self.value]

    @property
    def is_secure(self) -> bool:
        """Whether the connection runs over TLS."""
        return self in (Transport.SSL, Transport.WSS)


class MqttVersion(StrEnum):
    """The MQTT protocol version spoken to the broker."""

    V5 = "5"
    V311 = "3.1.1"


class MessageSpec(BaseModel):
    """The connect message or the Last Will and Testament."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    is_enabled: bool = False
    uses_default: bool = True
    """Use the default topic and payload (below the device topic prefix) instead of these."""
    topic: str = Field(default="", max_length=1024)
    payload: str = Field(default="", max_length=4096)
    retain: bool = True
    qos: Qos = 1


class ClientSettings(Reply):
    """The MQTT client's settings; the password is never shown, only whether one is set."""

    is_enabled: bool = False
    """The manual's "Connect": the client keeps a connection to the broker while on."""
    host: str = Field(default="", max_length=253)
    transport: Transport = Transport.TCP
    port: int = Field(default=1883, ge=1, le=65535)
    websocket_path: str = Field(default="/mqtt", max_length=255)
    alpn_protocol: str = Field(default="", max_length=255)
    """Offered during the TLS handshake; SSL and WebSocket Secure only."""
    version: MqttVersion = MqttVersion.V5
    username: str = Field(default="", max_length=255)
    has_password: bool = read_only(False)
    client_id: str = Field(default="", max_length=256)
    """Empty: ``actkit-<serial>``."""
    clean_session: bool = True
    http_proxy: str = ""
    """Used for TCP and WebSocket; at most 255 bytes. A password in it
    (``http://user:password@proxy:3128``) is kept apart and never shown: the URL comes back
    without it, and sent back so (same user, host and port) it keeps the password."""
    has_http_proxy_password: bool = read_only(False)
    https_proxy: str = ""
    """Used for SSL and WebSocket Secure; at most 255 bytes; its password as ``http_proxy``'s."""
    has_https_proxy_password: bool = read_only(False)
    keep_alive_s: int = Field(default=60, ge=5, le=65535)
    connect_timeout_s: int = Field(default=60, ge=1, le=600)
    device_topic_prefix: str = Field(default="", max_length=1024)
    """Empty: ``axis/<serial>``."""
    reconnects: bool = True
    """The manual's "Reconnect automatically"."""
    verifies_certificate: bool = True
    """Check the broker's certificate and host name (SSL and WebSocket Secure)."""
    ca_certificate: StoreCertificateId = ""
    """The id of a certificate in the device's store (accounts) to trust as the broker's CA;
    empty: the system's trusted CAs."""
    client_certificate: StoreCertificateId = ""
    """The id of a client certificate in the device's store, whose key the device holds,
    presented to the broker; empty: none."""
    connect_message: MessageSpec = MessageSpec()
    last_will: MessageSpec = MessageSpec()


class GetClientSettings(Command[ClientSettings]):
    """Read the MQTT client's settings."""

    subject: ClassVar[str] = "mqtt.client.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetClientSettings(Command[ClientSettings]):
    """Change some of the MQTT client's settings; fields left out keep their value.

    Changing ``transport`` without ``port`` moves the port to the new transport's default.
    ``password`` is write-only; an empty string removes it. The certificates are chosen from
    the device's store by id (an empty string: none); the store marks them in use by ``mqtt``.
    """

    subject: ClassVar[str] = "mqtt.client.set"

    is_enabled: bool | None = None
    host: str | None = Field(default=None, max_length=253)
    transport: Transport | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    websocket_path: str | None = Field(default=None, max_length=255)
    alpn_protocol: str | None = Field(default=None, max_length=255)
    version: MqttVersion | None = None
    username: str | None = Field(default=None, max_length=255)
    password: str | None = write_only(max_length=255)
    client_id: str | None = Field(default=None, max_length=256)
    clean_session: bool | None = None
    http_proxy: str | None = None
    https_proxy: str | None = None
    keep_alive_s: int | None = Field(default=None, ge=5, le=65535)
    connect_timeout_s: int | None = Field(default=None, ge=1, le=600)
    device_topic_prefix: str | None = Field(default=None, max_length=1024)
    reconnects: bool | None = None
    verifies_certificate: bool | None = None
    ca_certificate: StoreCertificateId | None = None
    client_certificate: StoreCertificateId | None = None
    connect_message: MessageSpec | None = None
    last_will: MessageSpec | None = None


class ConnectionState(StrEnum):
    """Where the client's connection to the broker stands."""

    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    ERROR = "error"


class ClientStatus(Reply):
    """The client's connection status, with the reason when it is not connected."""

    state: ConnectionState
    reason: str = ""
    """What went wrong, in words a person can act on (``connection refused: not authorized``)."""
    broker: str = ""
    """Where it connects, e.g. ``ssl://broker.example:8883``."""
    client_id: str = ""
    """The client identifier in use: the configured one or ``actkit-<serial>``; empty until the
    device's serial number is known."""
    device_topic_prefix: str = ""
    """The device topic prefix in use: the configured one or ``axis/<serial>``; empty until the
    device's serial number is known."""


class GetClientStatus(Command[ClientStatus]):
    """Read the client's connection status."""

    subject: ClassVar[str] = "mqtt.status.get"
    required_role: ClassVar[Role] = Role.VIEWER


class ClientStatusChanged(Event):
    """The client's connection status changed (kept as the current status)."""

    subject: ClassVar[str] = "mqtt.status.changed"
    stateful: ClassVar[bool] = True

    state: ConnectionState
    reason: str = ""
    broker: str = ""


class RetainPolicy(StrEnum):
    """Which publications the broker keeps as the topic's last message."""

    NONE = "none"
    PROPERTY = "property"
    """Only stateful events (a port's state, a beacon's presence, a rule's activity)."""
    ALL = "all"


class DeviceEventKind(StrEnum):
    """The device events that can be published (the publication's conditions)."""

    PORT = "port"
    """I/O port active/inactive (``io.port.*.changed``)."""
    TAMPERING = "tampering"
    """Supervised input cut/short (``io.port.*.tampered``)."""
    BEACON = "beacon"
    """BLE beacon received (``ble.beacon.*.received``)."""
    BEACON_PRESENCE = "beacon_presence"
    """BLE beacon present/absent (``ble.beacon.*.presence_changed``)."""
    RULE = "rule"
    """A rule became active/inactive (``events.rule.*.changed``)."""
    MANUAL_TRIGGER = "manual_trigger"
    """A manual trigger was turned on/off (``events.trigger.*.changed``)."""


class Publication(Reply):
    """Which device events are published to the broker, and how."""

    conditions: list[DeviceEventKind] = Field(default_factory=list)
    uses_default_prefix: bool = True
    """Start topics with the device topic prefix, else with ``custom_prefix``."""
    custom_prefix: str = Field(default="", max_length=1024)
    includes_topic_name: bool = True
    includes_namespaces: bool = True
    """Keep the ONVIF namespaces (``tns1:``, ``tnsaxis:``) in the topic."""
    includes_serial: bool = False
    retain: RetainPolicy = RetainPolicy.PROPERTY
    """Stateful events are kept by default: a client that subscribes later (Home Assistant
    does, once the client is active) learns every port's state at once."""
    qos: Qos = 0


class GetPublication(Command[Publication]):
    """Read the publication settings."""

    subject: ClassVar[str] = "mqtt.publication.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetPublication(Command[Publication]):
    """Replace the publication settings."""

    subject: ClassVar[str] = "mqtt.publication.set"

    publication: Publication


class ChangePublication(Command[Publication]):
    """Change some of the publication settings; fields left out keep their value.

    The owner applies the change to the settings in force at that moment, so two changes sent
    at once both take effect (VAPIX ``configureEventPublication``).
    """

    subject: ClassVar[str] = "mqtt.publication.change"

    conditions: list[DeviceEventKind] | None = None
    uses_default_prefix: bool | None = None
    custom_prefix: str | None = Field(default=None, max_length=1024)
    includes_topic_name: bool | None = None
    includes_namespaces: bool | None = None
    includes_serial: bool | None = None
    retain: RetainPolicy | None = None
    qos: Qos | None = None


SubscriptionId = RowId


class SubscriptionSpec(BaseModel):
    """A subscription as an installer enters it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    filter: str = Field(min_length=1, max_length=1024)
    """An MQTT topic filter; ``+`` matches one level, ``#`` the rest."""
    uses_device_prefix: bool = False
    """Subscribe to ``<device topic prefix>/<filter>``."""
    is_stateful: bool = False
    """Stateful: the last payload is the condition's state; stateless: each message is an event."""
    qos: Qos = 0


class Subscription(Reply):
    """A stored subscription."""

    subscription_id: SubscriptionId
    spec: SubscriptionSpec
    effective_filter: str
    """What is subscribed at the broker (with the device prefix when asked)."""


class SubscriptionList(Reply):
    """Every subscription."""

    subscriptions: list[Subscription]


class ListSubscriptions(Command[SubscriptionList]):
    """Read every subscription."""

    subject: ClassVar[str] = "mqtt.subscriptions.list"
    required_role: ClassVar[Role] = Role.VIEWER


class AddSubscription(Command[Subscription]):
    """Add a subscription (at most 64)."""

    subject: ClassVar[str] = "mqtt.subscriptions.add"

    spec: SubscriptionSpec


class UpdateSubscription(Command[Subscription]):
    """Replace a subscription's filter, type or QoS."""

    subject: ClassVar[str] = "mqtt.subscription.{subscription_id}.update"

    subscription_id: SubscriptionId
    spec: SubscriptionSpec


class RemoveSubscription(Command[Ack]):
    """Remove a subscription."""

    subject: ClassVar[str] = "mqtt.subscription.{subscription_id}.remove"

    subscription_id: SubscriptionId


class HomeAssistant(Reply):
    """Home Assistant MQTT discovery: ports announced as binary sensors and switches."""

    is_enabled: bool = False
    discovery_prefix: str = Field(default="homeassistant", min_length=1, max_length=255)


class GetHomeAssistant(Command[HomeAssistant]):
    """Read the Home Assistant discovery settings."""

    subject: ClassVar[str] = "mqtt.homeassistant.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetHomeAssistant(Command[HomeAssistant]):
    """Turn Home Assistant discovery on or off."""

    subject: ClassVar[str] = "mqtt.homeassistant.set"

    settings: HomeAssistant
