"""The ble service's handler table: one module per subject family beside this one."""

from __future__ import annotations

from actkit_ble.handlers.adapter import get_adapter_state
from actkit_ble.handlers.broadcasts import list_broadcasts, start_broadcast, stop_broadcast
from actkit_ble.handlers.deps import Deps
from actkit_ble.handlers.reception import (
    beacon_parameters,
    follow_rule_beacons,
    get_beacon_settings,
    inject_beacon,
    list_received_beacons,
    restore_settings,
    set_beacon_settings,
)
from actkit_ble.handlers.reflexes import follow_input, set_beacon_reflexes
from actkit_core.bus import Handlers
from actkit_core.params import parameter_handlers
from actkit_proto.ble import (
    GetAdapterState,
    GetBeaconSettings,
    InjectBeacon,
    ListBroadcasts,
    ListReceivedBeacons,
    SetBeaconReflexes,
    SetBeaconSettings,
    StartBroadcast,
    StopBroadcast,
)
from actkit_proto.events import RuleBeaconsChanged
from actkit_proto.io import PortChanged
from actkit_proto.params import RestoreSettings

__all__ = ["HANDLERS", "Deps"]

HANDLERS: Handlers[Deps] = {
    StartBroadcast: start_broadcast,
    StopBroadcast: stop_broadcast,
    ListBroadcasts: list_broadcasts,
    ListReceivedBeacons: list_received_beacons,
    GetBeaconSettings: get_beacon_settings,
    SetBeaconSettings: set_beacon_settings,
    GetAdapterState: get_adapter_state,
    InjectBeacon: inject_beacon,
    RestoreSettings: restore_settings,
    **parameter_handlers(beacon_parameters),
    RuleBeaconsChanged: follow_rule_beacons,
    SetBeaconReflexes: set_beacon_reflexes,
    PortChanged: follow_input,
}
