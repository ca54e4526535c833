"""Conditions: what a rule waits for, one tagged union on type."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from actkit_proto.base import RowId
from actkit_proto.ble import MessageType, SystemId
from actkit_proto.events.common import MAX_RULES, Part
from actkit_proto.io import PortId
from actkit_proto.mqtt import Topic


class _Condition(Part):
    invert: bool = False
    """Hold when the selection does not (stateless conditions cannot be inverted)."""


class InputCondition(_Condition):
    """I/O: a digital input is active."""

    type: Literal["input"] = "input"
    port_id: PortId


class TamperCondition(_Condition):
    """I/O: a supervised input's circuit is cut or shorted."""

    type: Literal["tamper"] = "tamper"
    port_id: PortId


class IgnitionCondition(_Condition):
    """Power: the ignition input is on."""

    type: Literal["ignition"] = "ignition"


class ButtonCondition(_Condition):
    """I/O: the control button was pressed (stateless)."""

    type: Literal["button"] = "button"


class MqttStatefulCondition(_Condition):
    """MQTT: the last payload on a stateful subscription equals ``payload`` (any if empty)."""

    type: Literal["mqtt_stateful"] = "mqtt_stateful"
    subscription: Topic
    payload: str | None = Field(default=None, max_length=4096)


class MqttStatelessCondition(_Condition):
    """MQTT: a message arrived on a stateless subscription (with ``payload`` if given)."""

    type: Literal["mqtt_stateless"] = "mqtt_stateless"
    subscription: Topic
    payload: str | None = Field(default=None, max_length=4096)


class BeaconCondition(_Condition):
    """Bluetooth: a beacon of ``system_id`` is received (with ``message_type`` if given)."""

    type: Literal["beacon"] = "beacon"
    system_id: SystemId
    message_type: MessageType | None = None


class ScheduleCondition(_Condition):
    """Schedule: the time is inside one of a weekly schedule's ranges."""

    type: Literal["schedule"] = "schedule"
    schedule_id: RowId


class PulseCondition(_Condition):
    """Pulse: a pulse schedule ticks (stateless)."""

    type: Literal["pulse"] = "pulse"
    schedule_id: RowId


class ManualCondition(_Condition):
    """Manual trigger: a manual trigger is on."""

    type: Literal["manual"] = "manual"
    trigger_id: int = Field(ge=1, le=MAX_RULES)


Condition = Annotated[
    InputCondition
    | TamperCondition
    | IgnitionCondition
    | ButtonCondition
    | MqttStatefulCondition
    | MqttStatelessCondition
    | BeaconCondition
    | ScheduleCondition
    | PulseCondition
    | ManualCondition,
    Field(discriminator="type"),
]

STATELESS_CONDITIONS: frozenset[str] = frozenset({"button", "mqtt_stateless", "pulse"})
"""Condition types that are moments, not states: a rule fires once when they happen."""
