"""The MQTT client settings plain config shows (``MQTT.*``), as the contract's fields say them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from actkit_core.section_params import FieldParameter, field_parameter, parameter_spec
from actkit_mqtt.domain import MAX_PROXY_BYTES
from actkit_proto.mqtt import (
    ClientSettings,
    DeviceEventKind,
    HomeAssistant,
    MessageSpec,
    Publication,
    SetClientSettings,
)
from actkit_proto.params import ParameterType


class Secret(BaseModel):
    """A write-only setting (the password) as a section of one field; never read back."""

    value: str = ""


_G = "MQTT.Client"
_PUBLICATION = "MQTT.Publication"


def _client(name: str, field: str, **details: Any) -> FieldParameter:
    return field_parameter(_G, name, "client", ClientSettings, field, **details)


def _secret(name: str, section: str, field: str, description: str) -> FieldParameter:
    """A write-only parameter: its limits are the set command's, its section a :class:`Secret`."""
    spec = parameter_spec(_G, name, SetClientSettings, field, shown_as=ParameterType.PASSWORD,
                          description=description)  # fmt: skip
    return FieldParameter(spec, section, "value")


def _message(group: str, section: str) -> tuple[FieldParameter, ...]:
    def one(name: str, field: str, **details: Any) -> FieldParameter:
        return field_parameter(group, name, section, MessageSpec, field, **details)

    return (
        one("Enabled", "is_enabled"),
        one("UseDefault", "uses_default",
            description="Use the default topic and payload below the device topic prefix"),
        one("Topic", "topic"),
        one("Payload", "payload"),
        one("Retain", "retain"),
        one("QoS", "qos"),
    )  # fmt: skip


FIELDS: tuple[FieldParameter, ...] = (
    _client("Enabled", "is_enabled", description="Connect: keep a connection to the broker"),
    _client("Host", "host", description="Broker host name or address"),
    _client("Transport", "transport"),
    _client("Port", "port"),
    _client("WebSocketPath", "websocket_path"),
    _client("ALPNProtocol", "alpn_protocol"),
    _client("Version", "version"),
    _client("Username", "username"),
    _secret("Password", "password", "password", "Write-only; empty removes it"),
    _client("ClientId", "client_id", description="Empty: actkit-<serial>"),
    _client("CleanSession", "clean_session"),
    _client("HTTPProxy", "http_proxy", maximum=MAX_PROXY_BYTES),
    _client("HTTPSProxy", "https_proxy", maximum=MAX_PROXY_BYTES),
    _client("KeepAliveS", "keep_alive_s"),
    _client("ConnectTimeoutS", "connect_timeout_s"),
    _client("DeviceTopicPrefix", "device_topic_prefix", description="Empty: axis/<serial>"),
    _client("Reconnect", "reconnects"),
    _client("VerifyCertificate", "verifies_certificate"),
    _client("CACertificate", "ca_certificate",
            description="A CA certificate of the device's store, by id; empty: the system's CAs"),
    _client("ClientCertificate", "client_certificate",
            description="A client certificate of the device's store (with its key), by id"),
    *_message(f"{_G}.ConnectMessage", "connect_message"),
    *_message(f"{_G}.LastWill", "last_will"),
    field_parameter(_PUBLICATION, "Conditions", "publication", Publication, "conditions",
                    description="Device events to publish, comma-separated: "
                    + ", ".join(kind.value for kind in DeviceEventKind)),
    field_parameter(_PUBLICATION, "UseDefaultPrefix", "publication", Publication,
                    "uses_default_prefix"),
    field_parameter(_PUBLICATION, "CustomPrefix", "publication", Publication, "custom_prefix"),
    field_parameter(_PUBLICATION, "IncludeTopicName", "publication", Publication,
                    "includes_topic_name"),
    field_parameter(_PUBLICATION, "IncludeNamespaces", "publication", Publication,
                    "includes_namespaces"),
    field_parameter(_PUBLICATION, "IncludeSerialNumber", "publication", Publication,
                    "includes_serial"),
    field_parameter(_PUBLICATION, "Retain", "publication", Publication, "retain"),
    field_parameter(_PUBLICATION, "QoS", "publication", Publication, "qos"),
    field_parameter("MQTT.HomeAssistant", "Enabled", "homeassistant", HomeAssistant, "is_enabled",
                    description="Announce the ports to Home Assistant (MQTT discovery)"),
    field_parameter("MQTT.HomeAssistant", "DiscoveryPrefix", "homeassistant", HomeAssistant,
                    "discovery_prefix"),
)  # fmt: skip
