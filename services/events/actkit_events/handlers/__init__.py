"""The events service's handler table: the whole service on one screen."""

from __future__ import annotations

from actkit_core.bus import Handlers
from actkit_core.params import parameter_handlers
from actkit_events.handlers.deps import Deps
from actkit_events.handlers.reactions import (
    evaluate_beacon,
    evaluate_ignition,
    evaluate_mqtt_topic,
    evaluate_port,
    evaluate_tamper,
    fire_button,
    fire_mqtt_message,
    note_beacon,
)
from actkit_events.handlers.recipients import (
    create_recipient,
    delete_recipient,
    get_recipient,
    list_recipients,
    send_test_notification,
    update_recipient,
)
from actkit_events.handlers.reflexes import (
    compare_ble_reflexes,
    compare_io_reflexes,
    follow_port_configured,
)
from actkit_events.handlers.restore import restore_settings
from actkit_events.handlers.rules import (
    create_rule,
    delete_rule,
    enable_rule,
    get_rule,
    list_catalogue,
    list_rules,
    query_event_log,
    rule_parameters,
    trace_rule,
    update_rule,
)
from actkit_events.handlers.schedules import (
    create_schedule,
    delete_schedule,
    fire_manual_trigger,
    get_schedule,
    list_manual_triggers,
    list_schedules,
    set_manual_trigger,
    update_schedule,
)
from actkit_proto import ble, events, io, mqtt
from actkit_proto.params import RestoreSettings

__all__ = ["HANDLERS", "Deps"]

HANDLERS: Handlers[Deps] = {
    # rules
    events.CreateRule: create_rule,
    events.ListRules: list_rules,
    events.GetRule: get_rule,
    events.UpdateRule: update_rule,
    events.EnableRule: enable_rule,
    events.DeleteRule: delete_rule,
    events.TraceRule: trace_rule,
    events.ListCatalogue: list_catalogue,
    events.QueryEventLog: query_event_log,
    # recipients
    events.CreateRecipient: create_recipient,
    events.ListRecipients: list_recipients,
    events.GetRecipient: get_recipient,
    events.UpdateRecipient: update_recipient,
    events.DeleteRecipient: delete_recipient,
    events.SendTestNotification: send_test_notification,
    # schedules and manual triggers
    events.CreateSchedule: create_schedule,
    events.ListSchedules: list_schedules,
    events.GetSchedule: get_schedule,
    events.UpdateSchedule: update_schedule,
    events.DeleteSchedule: delete_schedule,
    events.SetManualTrigger: set_manual_trigger,
    events.FireManualTrigger: fire_manual_trigger,
    events.ListManualTriggers: list_manual_triggers,
    # plain config and maintenance
    **parameter_handlers(rule_parameters),
    RestoreSettings: restore_settings,
    # what other services report
    io.PortChanged: evaluate_port,
    io.PortTampered: evaluate_tamper,
    io.PortConfigured: follow_port_configured,
    io.ReflexesChanged: compare_io_reflexes,
    ble.BeaconReflexesChanged: compare_ble_reflexes,
    io.IgnitionChanged: evaluate_ignition,
    io.ButtonPressed: fire_button,
    mqtt.MqttTopicChanged: evaluate_mqtt_topic,
    mqtt.MqttMessageReceived: fire_mqtt_message,
    ble.BeaconPresenceChanged: evaluate_beacon,
    ble.BeaconReceived: note_beacon,
}
