"""Actions: what a rule does, one tagged union on type."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from actkit_proto.base import RowId
from actkit_proto.ble import MessageType, SystemId
from actkit_proto.events.common import Part, Template
from actkit_proto.io import DurationMs, PortId
from actkit_proto.mqtt import Qos, Topic


class HoldIoAction(Part):
    """I/O: toggle an output while the rule is active."""

    type: Literal["io_while_active"] = "io_while_active"
    port_id: PortId
    is_active: bool = True


class PulseIoAction(Part):
    """I/O: toggle an output once, for a duration."""

    type: Literal["io_once"] = "io_once"
    port_id: PortId
    is_active: bool = True
    duration_ms: DurationMs


class NotifyAction(Part):
    """Notifications: send a notification to a recipient."""

    type: Literal["notification"] = "notification"
    recipient_id: RowId
    subject: Template = "{rule_name}"
    message: Template = "Rule {rule_name} was activated at {time}."


class MqttPublishAction(Part):
    """MQTT: send an MQTT publish message."""

    type: Literal["mqtt_publish"] = "mqtt_publish"
    topic: Topic
    payload: Template = ""
    qos: Qos = 0
    retain: bool = False
    use_device_prefix: bool = False


class BroadcastAction(Part):
    """Bluetooth: broadcast the beacon while the rule is active, or once for ``duration_ms``."""

    type: Literal["ble_broadcast"] = "ble_broadcast"
    system_id: SystemId
    message_type: MessageType = 1
    is_while_active: bool = True
    duration_ms: DurationMs | None = None


Action = Annotated[
    HoldIoAction | PulseIoAction | NotifyAction | MqttPublishAction | BroadcastAction,
    Field(discriminator="type"),
]

WHILE_ACTIVE_ACTIONS: frozenset[str] = frozenset({"io_while_active", "ble_broadcast"})
