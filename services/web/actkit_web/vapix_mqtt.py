"""VAPIX MQTT client and event APIs translated to and from the mqtt service's settings."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from actkit_proto.base import describe_validation_error
from actkit_proto.errors import Invalid
from actkit_proto.mqtt import (
    ChangePublication,
    ClientSettings,
    ClientStatus,
    ConnectionState,
    DeviceEventKind,
    MessageSpec,
    Publication,
    RetainPolicy,
    SetClientSettings,
    Transport,
)

EVENT_TOPICS: dict[DeviceEventKind, str] = {
    DeviceEventKind.PORT: "onvif:Device/axis:IO/Port",
    DeviceEventKind.TAMPERING: "onvif:Device/axis:IO/SupervisedPort",
    DeviceEventKind.MANUAL_TRIGGER: "onvif:Device/axis:IO/ManualTrigger",
    DeviceEventKind.RULE: "onvif:Device/axis:Rule/Active",
    DeviceEventKind.BEACON: "axis:Bluetooth/Beacon/Received",
    DeviceEventKind.BEACON_PRESENCE: "axis:Bluetooth/Beacon/Presence",
}
"""The VAPIX topic (``onvif:``/``axis:`` namespaces, as Axis devices publish) of each kind."""

ALL_EVENTS = "//."
"""A topic filter's "this topic and everything below it" suffix; alone it means every event."""


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class VapixServer(_Wire):
    host: str
    protocol: Transport | None = None
    port: int | None = None
    basepath: str | None = None
    alpn_protocol: str | None = Field(default=None, alias="alpnProtocol")


class VapixSsl(_Wire):
    validate_server_cert: bool = Field(alias="validateServerCert")
    ca_cert_id: str = Field(default="", alias="CACertID")
    client_cert_id: str = Field(default="", alias="clientCertID")


class VapixMessage(_Wire):
    use_default: bool = Field(alias="useDefault")
    topic: str | None = None
    message: str | None = None
    retain: bool | None = None
    qos: Literal[0, 1, 2] | None = None


class VapixClientConfig(_Wire):
    """``configureClient`` params: the client's configuration as VAPIX writes it."""

    server: VapixServer
    username: str | None = None
    password: str | None = None
    keep_existing_password: bool = Field(default=False, alias="keepExistingPassword")
    client_id: str | None = Field(default=None, alias="clientId")
    keep_alive_interval: int | None = Field(default=None, alias="keepAliveInterval")
    connect_timeout: int | None = Field(default=None, alias="connectTimeout")
    clean_session: bool | None = Field(default=None, alias="cleanSession")
    auto_reconnect: bool | None = Field(default=None, alias="autoReconnect")
    activate_on_reboot: bool | None = Field(default=None, alias="activateOnReboot")
    device_topic_prefix: str | None = Field(default=None, alias="deviceTopicPrefix")
    ssl: VapixSsl | None = None
    connect_message: VapixMessage | None = Field(default=None, alias="connectMessage")
    last_will_testament: VapixMessage | None = Field(default=None, alias="lastWillTestament")
    disconnect_message: VapixMessage | None = Field(default=None, alias="disconnectMessage")


class VapixEventFilter(_Wire):
    topic_filter: str = Field(alias="topicFilter", min_length=1)
    qos: Literal[0, 1, 2] | None = None
    retain: RetainPolicy | None = None


class VapixEventPublication(_Wire):
    """``configureEventPublication`` params; keys left out keep their value."""

    topic_prefix: Literal["default", "custom"] | None = Field(default=None, alias="topicPrefix")
    custom_topic_prefix: str | None = Field(default=None, alias="customTopicPrefix")
    append_event_topic: bool | None = Field(default=None, alias="appendEventTopic")
    include_topic_namespaces: bool | None = Field(default=None, alias="includeTopicNamespaces")
    include_serial_number_in_payload: bool | None = Field(
        default=None, alias="includeSerialNumberInPayload"
    )
    event_filter_list: list[VapixEventFilter] | None = Field(default=None, alias="eventFilterList")


def _parse(model: type[_Wire], params: object, what: str) -> Any:
    if not isinstance(params, dict):
        raise Invalid(f"params must be an object with the {what}")
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        raise Invalid(describe_validation_error(exc)) from None


def _message(spec: MessageSpec) -> dict[str, object]:
    if spec.uses_default:
        return {"useDefault": True}
    return {
        "useDefault": False,
        "topic": spec.topic,
        "message": spec.payload,
        "retain": spec.retain,
        "qos": spec.qos,
    }


def client_status(settings: ClientSettings, status: ClientStatus) -> dict[str, Any]:
    """``getClientStatus`` data: whether the client is on, connected, and its configuration.

    The client id and topic prefix are the ones in use, as the mqtt service tells them. The
    password is never shown. Messages that are off are left out, as VAPIX does.
    """
    server: dict[str, object] = {
        "host": settings.host,
        "port": settings.port,
        "protocol": settings.transport.value,
    }
    if settings.transport in (Transport.WS, Transport.WSS):
        server["basepath"] = settings.websocket_path
    if settings.transport.is_secure:
        server["alpnProtocol"] = settings.alpn_protocol
    config: dict[str, object] = {
        "server": server,
        "username": settings.username,
        "clientId": status.client_id,
        "keepAliveInterval": settings.keep_alive_s,
        "connectTimeout": settings.connect_timeout_s,
        "cleanSession": settings.clean_session,
        "autoReconnect": settings.reconnects,
        "activateOnReboot": True,
        "deviceTopicPrefix": status.device_topic_prefix,
        "ssl": {"validateServerCert": settings.verifies_certificate},
    }
    if settings.connect_message.is_enabled:
        config["connectMessage"] = _message(settings.connect_message)
    if settings.last_will.is_enabled:
        config["lastWillTestament"] = _message(settings.last_will)
    connected = status.state is ConnectionState.CONNECTED
    return {
        "status": {
            "state": "active" if settings.is_enabled else "inactive",
            "connectionStatus": "connected" if connected else "disconnected",
        },
        "config": config,
    }


def _message_spec(message: VapixMessage | None, name: str) -> MessageSpec:
    """A VAPIX message object as the mqtt service keeps it; left out means not sent."""
    if message is None:
        return MessageSpec(is_enabled=False)
    if message.use_default:
        return MessageSpec(is_enabled=True, uses_default=True)
    if not message.topic:
        raise Invalid(f"{name}.topic is required when {name}.useDefault is false")
    return MessageSpec(
        is_enabled=True,
        uses_default=False,
        topic=message.topic,
        payload=message.message or "",
        retain=True if message.retain is None else message.retain,
        qos=1 if message.qos is None else message.qos,
    )


def configure_client(params: object) -> SetClientSettings:
    """The mqtt service's settings change for a ``configureClient`` call.

    Keys left out keep their value, except ``connectMessage`` and ``lastWillTestament``:
    VAPIX sends no such message when its object is left out. The password is kept when it is
    left out or ``keepExistingPassword`` is true.

    Raises:
        Invalid: a key is unknown, of the wrong type, or asks for what the client cannot do.
    """
    config: VapixClientConfig = _parse(VapixClientConfig, params, "client configuration")
    if config.disconnect_message is not None:
        raise Invalid(
            "disconnectMessage is not supported: the client sends no message when it is "
            "deactivated; leave disconnectMessage out"
        )
    if config.activate_on_reboot is False:
        raise Invalid(
            "activateOnReboot false is not supported: an active client stays active after a "
            "restart; deactivate it with deactivateClient instead"
        )
    if config.ssl is not None and (config.ssl.ca_cert_id or config.ssl.client_cert_id):
        raise Invalid(
            "ssl.CACertID and ssl.clientCertID are not supported: enter the certificates on "
            "the MQTT page (PEM) and leave the ids out"
        )
    server = config.server
    fields: dict[str, object] = {
        "host": server.host,
        "transport": server.protocol,
        "port": server.port,
        "websocket_path": server.basepath,
        "alpn_protocol": server.alpn_protocol,
        "username": config.username,
        "client_id": config.client_id,
        "keep_alive_s": config.keep_alive_interval,
        "connect_timeout_s": config.connect_timeout,
        "clean_session": config.clean_session,
        "reconnects": config.auto_reconnect,
        "device_topic_prefix": config.device_topic_prefix,
        "verifies_certificate": config.ssl.validate_server_cert if config.ssl else None,
        "connect_message": _message_spec(config.connect_message, "connectMessage"),
        "last_will": _message_spec(config.last_will_testament, "lastWillTestament"),
    }
    if config.password is not None and not config.keep_existing_password:
        fields["password"] = config.password
    names = {
        "keep_alive_s": "keepAliveInterval",
        "connect_timeout_s": "connectTimeout",
        "websocket_path": "server.basepath",
        "client_id": "clientId",
        "device_topic_prefix": "deviceTopicPrefix",
        "alpn_protocol": "server.alpnProtocol",
    }
    try:
        return SetClientSettings.model_validate(
            {name: value for name, value in fields.items() if value is not None}
        )
    except ValidationError as exc:
        problem = describe_validation_error(exc)
        for field, vapix_name in names.items():
            problem = problem.replace(f"{field}:", f"{vapix_name}:")
        raise Invalid(problem) from None


def event_publication(publication: Publication) -> dict[str, Any]:
    """``getEventPublicationConfig`` data: every key, one filter per published event kind."""
    return {
        "eventPublicationConfig": {
            "topicPrefix": "default" if publication.uses_default_prefix else "custom",
            "customTopicPrefix": publication.custom_prefix,
            "appendEventTopic": publication.includes_topic_name,
            "includeTopicNamespaces": publication.includes_namespaces,
            "includeSerialNumberInPayload": publication.includes_serial,
            "eventFilterList": [
                {
                    "topicFilter": EVENT_TOPICS[kind],
                    "qos": publication.qos,
                    "retain": publication.retain.value,
                }
                for kind in DeviceEventKind
                if kind in publication.conditions
            ],
        }
    }


def _vapix_namespaces(topic: str) -> str:
    """A topic in the ``onvif:``/``axis:`` form whichever namespace prefixes it was given in."""
    return "/".join(
        segment.replace("tns1:", "onvif:", 1).replace("tnsaxis:", "axis:", 1)
        for segment in topic.split("/")
    )


def kinds_of_filter(topic_filter: str) -> list[DeviceEventKind]:
    """The event kinds a VAPIX topic filter selects: one topic, or a topic and all below it.

    Raises:
        Invalid: it selects no event this device publishes.
    """
    wanted = _vapix_namespaces(topic_filter)
    if wanted == ALL_EVENTS:
        return list(DeviceEventKind)
    if wanted.endswith(ALL_EVENTS):
        root = wanted.removesuffix(ALL_EVENTS)
        kinds = [
            kind
            for kind, topic in EVENT_TOPICS.items()
            if topic == root or topic.startswith(root + "/")
        ]
    else:
        kinds = [kind for kind, topic in EVENT_TOPICS.items() if topic == wanted]
    if not kinds:
        known = ", ".join(EVENT_TOPICS.values())
        raise Invalid(
            f"topicFilter {topic_filter!r} matches no event of this device; use {ALL_EVENTS} "
            f"or one of {known} (a topic followed by {ALL_EVENTS} takes everything below it)"
        )
    return kinds


def configure_event_publication(params: object) -> ChangePublication:
    """The mqtt service's publication change for a ``configureEventPublication`` call.

    Keys left out keep their value (the owner applies the change to the settings in force).
    The device applies one QoS and one retain policy to every published event, so the filters
    that give them must agree.

    Raises:
        Invalid: a key is unknown or wrong, a filter matches nothing, or filters disagree.
    """
    config: VapixEventPublication = _parse(
        VapixEventPublication, params, "event publication configuration"
    )
    changes: dict[str, object] = {
        "uses_default_prefix": (
            None if config.topic_prefix is None else config.topic_prefix == "default"
        ),
        "custom_prefix": config.custom_topic_prefix,
        "includes_topic_name": config.append_event_topic,
        "includes_namespaces": config.include_topic_namespaces,
        "includes_serial": config.include_serial_number_in_payload,
    }
    if config.event_filter_list is not None:
        filters = config.event_filter_list
        selected = {kind for item in filters for kind in kinds_of_filter(item.topic_filter)}
        changes["conditions"] = [kind for kind in DeviceEventKind if kind in selected]
        qos_given = {item.qos for item in filters if item.qos is not None}
        retain_given = {item.retain for item in filters if item.retain is not None}
        if len(qos_given) > 1 or len(retain_given) > 1:
            raise Invalid(
                "every eventFilterList item must use the same qos and retain: this device "
                "publishes all events with one QoS and one retain policy"
            )
        changes["qos"] = qos_given.pop() if qos_given else None
        changes["retain"] = retain_given.pop() if retain_given else None
    try:
        return ChangePublication.model_validate(changes)
    except ValidationError as exc:
        raise Invalid(describe_validation_error(exc)) from None
