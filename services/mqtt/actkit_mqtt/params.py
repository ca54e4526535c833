"""The MQTT client settings plain config shows (``MQTT.*``), with defaults from the contract."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from actkit_core.params import ParameterSpec
from actkit_core.section_params import FieldParameter, to_parameter
from actkit_proto.mqtt import (
    ClientSettings,
    DeviceEventKind,
    HomeAssistant,
    MessageSpec,
    MqttVersion,
    Publication,
    RetainPolicy,
    Transport,
)
from actkit_proto.params import ParameterType


class Secret(BaseModel):
    """A write-only setting (password, client key) as a section of one field; never read back."""

    value: str = ""


_B, _I, _S = ParameterType.BOOLEAN, ParameterType.INTEGER, ParameterType.STRING


def _choices(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


def _field(
    group: str,
    name: str,
    kind: ParameterType,
    section: tuple[str, BaseModel],
    field: str,
    **limits: Any,
) -> FieldParameter:
    """A parameter for ``field`` of a section, its default taken from the model's default."""
    key, defaults = section
    default = to_parameter(getattr(defaults, field))
    return FieldParameter(ParameterSpec(group, name, kind, default, **limits), key, field)


_CLIENT = ("client", ClientSettings())
_CONNECT = ("connect_message", MessageSpec())
_WILL = ("last_will", MessageSpec())
_PUBLICATION = ("publication", Publication())
_HOME_ASSISTANT = ("homeassistant", HomeAssistant())
_G = "MQTT.Client"
_QOS = {"minimum": 0, "maximum": 2}


def _message(group: str, section: tuple[str, BaseModel]) -> tuple[FieldParameter, ...]:
    return (
        _field(group, "Enabled", _B, section, "is_enabled"),
        _field(group, "UseDefault", _B, section, "uses_default",
               description="Use the default topic and payload below the device topic prefix"),
        _field(group, "Topic", _S, section, "topic", maximum=1024),
        _field(group, "Payload", _S, section, "payload", maximum=4096),
        _field(group, "Retain", _B, section, "retain"),
        _field(group, "QoS", _I, section, "qos", **_QOS),
    )  # fmt: skip


FIELDS: tuple[FieldParameter, ...] = (
    _field(_G, "Enabled", _B, _CLIENT, "is_enabled",
           description="Connect: keep a connection to the broker"),
    _field(_G, "Host", _S, _CLIENT, "host", maximum=253, description="Broker host name or address"),
    _field(_G, "Transport", ParameterType.ENUM, _CLIENT, "transport",
           allowed_values=_choices(Transport)),
    _field(_G, "Port", _I, _CLIENT, "port", minimum=1, maximum=65535),
    _field(_G, "WebSocketPath", _S, _CLIENT, "websocket_path", maximum=255),
    _field(_G, "ALPNProtocol", _S, _CLIENT, "alpn_protocol", maximum=255),
    _field(_G, "Version", ParameterType.ENUM, _CLIENT, "version",
           allowed_values=_choices(MqttVersion)),
    _field(_G, "Username", _S, _CLIENT, "username", maximum=255),
    FieldParameter(ParameterSpec(_G, "Password", ParameterType.PASSWORD, maximum=255,
                                 description="Write-only; empty removes it"),
                   "password", "value"),
    _field(_G, "ClientId", _S, _CLIENT, "client_id", maximum=256,
           description="Empty: actkit-<serial>"),
    _field(_G, "CleanSession", _B, _CLIENT, "clean_session"),
    _field(_G, "HTTPProxy", _S, _CLIENT, "http_proxy", maximum=255),
    _field(_G, "HTTPSProxy", _S, _CLIENT, "https_proxy", maximum=255),
    _field(_G, "KeepAliveS", _I, _CLIENT, "keep_alive_s", minimum=5, maximum=65535),
    _field(_G, "ConnectTimeoutS", _I, _CLIENT, "connect_timeout_s", minimum=1, maximum=600),
    _field(_G, "DeviceTopicPrefix", _S, _CLIENT, "device_topic_prefix", maximum=1024,
           description="Empty: axis/<serial>"),
    _field(_G, "Reconnect", _B, _CLIENT, "reconnects"),
    _field(_G, "VerifyCertificate", _B, _CLIENT, "verifies_certificate"),
    _field(_G, "CACertificate", _S, _CLIENT, "ca_certificate_pem", maximum=65536,
           description="PEM; empty: the system's trusted CAs"),
    _field(_G, "ClientCertificate", _S, _CLIENT, "client_certificate_pem", maximum=65536),
    FieldParameter(ParameterSpec(_G, "ClientKey", ParameterType.PASSWORD, maximum=65536,
                                 description="PEM, write-only; empty removes it"),
                   "client_key", "value"),
    *_message(f"{_G}.ConnectMessage", _CONNECT),
    *_message(f"{_G}.LastWill", _WILL),
    _field("MQTT.Publication", "Conditions", _S, _PUBLICATION, "conditions",
           description="Device events to publish, comma-separated: "
           + ", ".join(_choices(DeviceEventKind))),
    _field("MQTT.Publication", "UseDefaultPrefix", _B, _PUBLICATION, "uses_default_prefix"),
    _field("MQTT.Publication", "CustomPrefix", _S, _PUBLICATION, "custom_prefix", maximum=1024),
    _field("MQTT.Publication", "IncludeTopicName", _B, _PUBLICATION, "includes_topic_name"),
    _field("MQTT.Publication", "IncludeNamespaces", _B, _PUBLICATION, "includes_namespaces"),
    _field("MQTT.Publication", "IncludeSerialNumber", _B, _PUBLICATION, "includes_serial"),
    _field("MQTT.Publication", "Retain", ParameterType.ENUM, _PUBLICATION, "retain",
           allowed_values=_choices(RetainPolicy)),
    _field("MQTT.Publication", "QoS", _I, _PUBLICATION, "qos", **_QOS),
    _field("MQTT.HomeAssistant", "Enabled", _B, _HOME_ASSISTANT, "is_enabled",
           description="Announce the ports to Home Assistant (MQTT discovery)"),
    _field("MQTT.HomeAssistant", "DiscoveryPrefix", _S, _HOME_ASSISTANT, "discovery_prefix",
           minimum=1, maximum=255),
)  # fmt: skip
