"""VAPIX MQTT client API (client.cgi): the mqtt service's client settings and status, translated."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from actkit_proto.base import describe_validation_error
from actkit_proto.errors import Invalid
from actkit_proto.mqtt import (
    ClientSettings,
    ClientStatus,
    ConnectionState,
    GetClientSettings,
    GetClientStatus,
    MessageSpec,
    SetClientSettings,
    Transport,
)
from actkit_web.http.deps import acting_bus
from actkit_web.vapix.cgi import (
    INVALID_PARAMETER,
    UNSUPPORTED_METHOD,
    VapixModel,
    answer,
    cgi,
    error_answer,
    json_call,
    parse_params,
    versions,
)


class VapixServer(VapixModel):
    host: str
    protocol: Transport | None = None
    port: int | None = None
    basepath: str | None = None
    alpn_protocol: str | None = Field(default=None, alias="alpnProtocol")


class VapixSsl(VapixModel):
    validate_server_cert: bool = Field(alias="validateServerCert")
    ca_cert_id: str = Field(default="", alias="CACertID")
    client_cert_id: str = Field(default="", alias="clientCertID")


class VapixMessage(VapixModel):
    use_default: bool = Field(alias="useDefault")
    topic: str | None = None
    message: str | None = None
    retain: bool | None = None
    qos: Literal[0, 1, 2] | None = None


class VapixClientConfig(VapixModel):
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
    config: VapixClientConfig = parse_params(VapixClientConfig, params, "client configuration")
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


CLIENT_API = "mqtt-client"


async def mqtt_client(request: Request) -> Response:
    bus = await acting_bus(request)
    body, _, method = await json_call(request)
    if method == "getSupportedVersions":
        return versions(CLIENT_API, body)
    try:
        if method == "getClientStatus":
            settings = await bus.request(GetClientSettings())
            status = await bus.request(GetClientStatus())
            return answer(CLIENT_API, body, client_status(settings, status))
        if method == "configureClient":
            await bus.request(configure_client(body.get("params")))
            return answer(CLIENT_API, body, {})
        if method in ("activateClient", "deactivateClient"):
            await bus.request(SetClientSettings(is_enabled=method == "activateClient"))
            return answer(CLIENT_API, body, {})
    except Invalid as exc:
        return error_answer(CLIENT_API, body, INVALID_PARAMETER, exc.message)
    return error_answer(
        CLIENT_API,
        body,
        UNSUPPORTED_METHOD,
        f"unknown method {method!r}; use getClientStatus, configureClient, activateClient "
        "or deactivateClient",
    )


ROUTES = [cgi("/mqtt/client.cgi", mqtt_client, "POST")]
