"""What every handler of the ble service is given."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from actkit_ble.domain.broadcasts import Broadcasts
from actkit_ble.domain.reception import Receiver
from actkit_ble.domain.reflexes import BeaconReflexTable
from actkit_ble.ports import BeaconRadio, BeaconSimulator
from actkit_ble.store import SettingsStore
from actkit_core.bus import Publisher
from actkit_core.clock import Clock, SystemClock
from actkit_proto.ble import AdapterState


@dataclass
class Deps:
    """What the handlers need; mutable only for the last adapter state told."""

    store: SettingsStore
    bus: Publisher
    radio: BeaconRadio
    broadcasts: Broadcasts
    receiver: Receiver
    simulator: BeaconSimulator | None = None
    """The simulated surroundings, when the radio is simulated."""
    clock: Clock = field(default_factory=SystemClock)
    reflexes: BeaconReflexTable = field(default_factory=BeaconReflexTable)
    """The rules ble carries out itself on the inputs' changes (see ``SetBeaconReflexes``)."""
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when a deadline may have moved, so the timer loop looks again."""
    adapter_state: AdapterState = field(
        default_factory=lambda: AdapterState(
            is_present=False, is_powered=False, is_discovering=False, advertising_instances=0
        )
    )
