"""The mqtt service's handler table: the whole service on one screen."""

from __future__ import annotations

from actkit_core.bus import Handlers
from actkit_core.params import parameter_handlers
from actkit_mqtt.handlers.client import (
    add_subscription,
    apply_connection,
    change_publication,
    get_client_settings,
    get_client_status,
    get_home_assistant,
    get_publication,
    list_subscriptions,
    publish_mqtt,
    remove_subscription,
    set_client_settings,
    set_home_assistant,
    set_publication,
    update_subscription,
)
from actkit_mqtt.handlers.deps import ClientState, Deps, load_state
from actkit_mqtt.handlers.identity import knowing_identity
from actkit_mqtt.handlers.reports import (
    handle_report,
    publish_beacon,
    publish_beacon_presence,
    publish_manual_trigger,
    publish_port_change,
    publish_rule_activity,
    publish_tampering,
)
from actkit_mqtt.handlers.settings import MqttParameters, restore_settings
from actkit_proto.base import Command
from actkit_proto.ble import BeaconPresenceChanged, BeaconReceived
from actkit_proto.events import ManualTriggerChanged, RuleChanged
from actkit_proto.io import PortChanged, PortTampered
from actkit_proto.mqtt import (
    AddSubscription,
    ChangePublication,
    GetClientSettings,
    GetClientStatus,
    GetHomeAssistant,
    GetPublication,
    ListSubscriptions,
    PublishMqtt,
    RemoveSubscription,
    SetClientSettings,
    SetHomeAssistant,
    SetPublication,
    UpdateSubscription,
)
from actkit_proto.params import RestoreSettings

__all__ = ["HANDLERS", "ClientState", "Deps", "apply_connection", "handle_report", "load_state"]

_HANDLERS: Handlers[Deps] = {
    GetClientSettings: get_client_settings,
    SetClientSettings: set_client_settings,
    GetClientStatus: get_client_status,
    PublishMqtt: publish_mqtt,
    GetPublication: get_publication,
    SetPublication: set_publication,
    ChangePublication: change_publication,
    ListSubscriptions: list_subscriptions,
    AddSubscription: add_subscription,
    UpdateSubscription: update_subscription,
    RemoveSubscription: remove_subscription,
    PortChanged: publish_port_change,
    PortTampered: publish_tampering,
    BeaconReceived: publish_beacon,
    BeaconPresenceChanged: publish_beacon_presence,
    RuleChanged: publish_rule_activity,
    ManualTriggerChanged: publish_manual_trigger,
    GetHomeAssistant: get_home_assistant,
    SetHomeAssistant: set_home_assistant,
    RestoreSettings: restore_settings,
    **parameter_handlers(MqttParameters),
}
HANDLERS: Handlers[Deps] = {
    message_type: knowing_identity(handler) if issubclass(message_type, Command) else handler
    for message_type, handler in _HANDLERS.items()
}
"""Every command first makes sure the device's serial is known (see ``knowing_identity``)."""
