"""Publication of device events: ONVIF-style topics, the JSON payload, the retain policy.

The payload is the one VAPIX clients read from an Axis device's MQTT event publication
(Home Assistant's ``axis`` library among them): topics in the ``onvif:``/``axis:`` form (the
client maps them to ``tns1:``/``tnsaxis:``), ports by their 0-based VAPIX id, string values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from actkit_mqtt.domain import Outgoing, check_topic
from actkit_proto.ble import BeaconPresenceChanged, BeaconReceived
from actkit_proto.events import ManualTriggerChanged, RuleChanged
from actkit_proto.io import Direction, PortTampered, vapix_port_id
from actkit_proto.mqtt import DeviceEventKind, Publication, RetainPolicy


@dataclass(frozen=True)
class DeviceEvent:
    """A device event as the publication sees it: an ONVIF-style topic, its source and data."""

    kind: DeviceEventKind
    topic: tuple[str, ...]
    """Namespaced segments, e.g. ``("onvif:Device", "axis:IO", "Port")``."""
    source: dict[str, str]
    data: dict[str, object]
    is_stateful: bool
    timestamp_ms: int = 0
    source_key: tuple[str, ...] = field(default=())
    """Segments appended to the MQTT topic so each source keeps its own retained message."""


def _strip_namespace(segment: str) -> str:
    return segment.rsplit(":", 1)[-1]


def publication_prefix(publication: Publication, prefix: str) -> str:
    """The topic prefix of published device events."""
    return prefix if publication.uses_default_prefix else publication.custom_prefix


def publication_message(
    publication: Publication, event: DeviceEvent, prefix: str, serial: str
) -> Outgoing | None:
    """The MQTT message for ``event``, or ``None`` when its kind is not published."""
    if event.kind not in publication.conditions:
        return None
    segments = (
        event.topic
        if publication.includes_namespaces
        else tuple(_strip_namespace(segment) for segment in event.topic)
    )
    levels = [publication_prefix(publication, prefix), "event"]
    if publication.includes_topic_name:
        levels += [*segments, *event.source_key]
    body: dict[str, object] = {"topic": "/".join(segments), "timestamp": event.timestamp_ms}
    if publication.includes_serial:
        body["serialNumber"] = serial
    body["message"] = {"source": event.source, "key": {}, "data": event.data}
    retain = publication.retain is RetainPolicy.ALL or (
        publication.retain is RetainPolicy.PROPERTY and event.is_stateful
    )
    return Outgoing(
        topic="/".join(level for level in levels if level),
        payload=json.dumps(body, separators=(",", ":")),
        qos=publication.qos,
        retain=retain,
    )


def check_publication(publication: Publication) -> None:
    """Refuse publication settings that cannot produce valid topics.

    Raises:
        Invalid: the custom prefix is needed but missing or malformed.
    """
    if not publication.uses_default_prefix:
        check_topic(publication.custom_prefix, "custom topic prefix")


INPUT_TOPIC = ("onvif:Device", "axis:IO", "Port")
RELAY_TOPIC = ("onvif:Device", "Trigger", "Relay")


def port_event(
    port_id: int, direction: Direction, is_active: bool, timestamp_ms: int
) -> DeviceEvent:
    """A port's state: an input is an ``IO/Port`` event, an output a ``Trigger/Relay`` one.

    Both carry the 0-based VAPIX port id, so a client names the entity after getPorts' port.
    """
    vapix_id = vapix_port_id(port_id)
    data: dict[str, object]
    if direction is Direction.INPUT:
        topic, source, data = INPUT_TOPIC, {"port": vapix_id}, {"state": _bit(is_active)}
    else:
        topic, source = RELAY_TOPIC, {"RelayToken": vapix_id}
        data = {"LogicalState": "active" if is_active else "inactive"}
    return DeviceEvent(
        kind=DeviceEventKind.PORT,
        topic=topic,
        source=source,
        data=data,
        is_stateful=True,
        timestamp_ms=timestamp_ms,
        source_key=(vapix_id,),
    )


def _bit(value: bool) -> str:
    return "1" if value else "0"


def tampering_event(event: PortTampered, timestamp_ms: int) -> DeviceEvent:
    """A supervised input was cut or shorted (``tampered`` 1), or came back (0)."""
    vapix_id = vapix_port_id(event.port_id)
    return DeviceEvent(
        kind=DeviceEventKind.TAMPERING,
        topic=("onvif:Device", "axis:IO", "SupervisedPort"),
        source={"port": vapix_id},
        data={"tampered": _bit(event.is_tampered), "circuit": event.circuit.value},
        is_stateful=True,
        timestamp_ms=timestamp_ms,
        source_key=(vapix_id,),
    )


def beacon_event(event: BeaconReceived, timestamp_ms: int) -> DeviceEvent:
    """A watched BLE beacon was received."""
    return DeviceEvent(
        kind=DeviceEventKind.BEACON,
        topic=("axis:Bluetooth", "Beacon", "Received"),
        source={"system_id": str(event.system_id)},
        data={
            "message_type": event.message_type,
            "sequence": event.sequence,
            "rssi_dbm": event.rssi_dbm,
        },
        is_stateful=False,
        timestamp_ms=timestamp_ms,
        source_key=(str(event.system_id),),
    )


def beacon_presence_event(event: BeaconPresenceChanged, timestamp_ms: int) -> DeviceEvent:
    """A watched BLE beacon started or stopped being received."""
    return DeviceEvent(
        kind=DeviceEventKind.BEACON_PRESENCE,
        topic=("axis:Bluetooth", "Beacon", "Presence"),
        source={"system_id": str(event.system_id)},
        data={"present": event.is_present},
        is_stateful=True,
        timestamp_ms=timestamp_ms,
        source_key=(str(event.system_id),),
    )


def rule_event(event: RuleChanged) -> DeviceEvent:
    """A rule became active (all its conditions hold) or inactive; stamped when it changed."""
    return DeviceEvent(
        kind=DeviceEventKind.RULE,
        topic=("onvif:Device", "axis:Rule", "Active"),
        source={"rule": str(event.rule_id)},
        data={"active": event.is_active},
        is_stateful=True,
        timestamp_ms=int(event.at.timestamp() * 1000),
        source_key=(str(event.rule_id),),
    )


def manual_trigger_event(event: ManualTriggerChanged, timestamp_ms: int) -> DeviceEvent:
    """A manual trigger was turned on or off."""
    return DeviceEvent(
        kind=DeviceEventKind.MANUAL_TRIGGER,
        topic=("onvif:Device", "axis:IO", "ManualTrigger"),
        source={"trigger": str(event.trigger_id)},
        data={"active": event.is_on},
        is_stateful=True,
        timestamp_ms=timestamp_ms,
        source_key=(str(event.trigger_id),),
    )
