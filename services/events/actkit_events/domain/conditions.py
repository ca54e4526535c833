"""What each condition watches (its key), whether it holds for a value, and how it reads."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from actkit_proto.events import (
    STATELESS_CONDITIONS,
    BeaconCondition,
    ButtonCondition,
    Condition,
    IgnitionCondition,
    InputCondition,
    ManualCondition,
    MqttStatefulCondition,
    MqttStatelessCondition,
    PulseCondition,
    ScheduleCondition,
    TamperCondition,
)

Value = bool | str | None
"""The last value seen under a key: a level, a payload, or ``None`` before any report."""


def input_key(port_id: int) -> str:
    return f"io.port.{port_id}"


def tamper_key(port_id: int) -> str:
    return f"io.tamper.{port_id}"


IGNITION_KEY = "io.ignition"
BUTTON_KEY = "io.button"


def mqtt_stateful_key(subscription: str) -> str:
    return f"mqtt.stateful.{subscription}"


def mqtt_stateless_key(subscription: str) -> str:
    return f"mqtt.message.{subscription}"


def beacon_key(system_id: int) -> str:
    return f"ble.beacon.{system_id}"


def beacon_value(is_present: bool, message_type: int | None) -> str:
    """A beacon's presence as a value: ``absent``, ``present`` or ``present:<type>``."""
    if not is_present:
        return "absent"
    return "present" if message_type is None else f"present:{message_type}"


def schedule_key(schedule_id: int) -> str:
    return f"schedule.{schedule_id}"


def pulse_key(schedule_id: int) -> str:
    return f"pulse.{schedule_id}"


def manual_key(trigger_id: int) -> str:
    return f"manual.{trigger_id}"


def is_stateless(condition: Condition) -> bool:
    """A moment (button, stateless MQTT message, pulse) rather than a state."""
    return condition.type in STATELESS_CONDITIONS


def key_of(condition: Condition) -> str:
    """The key under which the values this condition reads arrive."""
    match condition:
        case InputCondition(port_id=port_id):
            return input_key(port_id)
        case TamperCondition(port_id=port_id):
            return tamper_key(port_id)
        case IgnitionCondition():
            return IGNITION_KEY
        case ButtonCondition():
            return BUTTON_KEY
        case MqttStatefulCondition(subscription=subscription):
            return mqtt_stateful_key(subscription)
        case MqttStatelessCondition(subscription=subscription):
            return mqtt_stateless_key(subscription)
        case BeaconCondition(system_id=system_id):
            return beacon_key(system_id)
        case ScheduleCondition(schedule_id=schedule_id):
            return schedule_key(schedule_id)
        case PulseCondition(schedule_id=schedule_id):
            return pulse_key(schedule_id)
        case ManualCondition(trigger_id=trigger_id):
            return manual_key(trigger_id)
    raise AssertionError(condition)


def matches(condition: Condition, value: Value) -> bool:
    """Whether the value is what the condition selects, before inversion."""
    match condition:
        case MqttStatefulCondition(payload=payload) | MqttStatelessCondition(payload=payload):
            return isinstance(value, str) and (payload is None or value == payload)
        case BeaconCondition(message_type=message_type):
            if not isinstance(value, str) or not value.startswith("present"):
                return False
            return message_type is None or value == f"present:{message_type}"
        case ButtonCondition() | PulseCondition():
            return True
    return value is True


def holds(condition: Condition, value: Value) -> bool:
    """Whether the condition holds for the value, inversion applied."""
    return matches(condition, value) != condition.invert


_READ_AS_VALUES = (
    MqttStatefulCondition,
    MqttStatelessCondition,
    BeaconCondition,
    ButtonCondition,
    PulseCondition,
)
"""Conditions whose test reads the value; every other holds when its level is on."""


def _is_on(value: Value) -> bool:
    return value is True


def _is_not_on(value: Value) -> bool:
    return value is not True


def holds_test(condition: Condition) -> Callable[[Value], bool]:
    """:func:`holds` for ``condition``, with its kind and inversion looked at once.

    A rule's conditions are tested on every value they watch; a level's test is then one
    comparison. The same as :func:`holds`:

    >>> from actkit_proto.events import InputCondition
    >>> [holds_test(InputCondition(port_id=1, invert=True))(v) for v in (True, False, None)]
    [False, True, True]
    """
    if isinstance(condition, _READ_AS_VALUES):
        return partial(holds, condition)
    return _is_not_on if condition.invert else _is_on


def describe(condition: Condition) -> str:
    """The condition in words, e.g. ``digital input 1 is active``."""
    match condition:
        case InputCondition(port_id=port_id):
            text = f"digital input {port_id} is active"
        case TamperCondition(port_id=port_id):
            text = f"supervised input {port_id} is tampered with"
        case IgnitionCondition():
            text = "the ignition is on"
        case ButtonCondition():
            text = "the control button is pressed"
        case MqttStatefulCondition(subscription=subscription, payload=payload):
            text = f"MQTT {subscription!r} is {payload!r}" if payload else f"MQTT {subscription!r}"
        case MqttStatelessCondition(subscription=subscription, payload=payload):
            text = f"an MQTT message arrives on {subscription!r}" + (
                f" with {payload!r}" if payload else ""
            )
        case BeaconCondition(system_id=system_id, message_type=message_type):
            text = f"a beacon of System ID {system_id} is received" + (
                f" with message type {message_type}" if message_type is not None else ""
            )
        case ScheduleCondition(schedule_id=schedule_id):
            text = f"schedule {schedule_id} is active"
        case PulseCondition(schedule_id=schedule_id):
            text = f"pulse {schedule_id} ticks"
        case ManualCondition(trigger_id=trigger_id):
            text = f"manual trigger {trigger_id} is on"
        case _:
            raise AssertionError(condition)
    return f"not ({text})" if condition.invert else text


def show(value: Value) -> str:
    """A value as the trace shows it."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "on" if value else "off"
    return repr(value)
