"""Which device events the service hears: those it is to publish, while the broker is connected.

Subscribed to all the time, every port edge (and rule change, beacon, ...) of the device would
wake the service to be decoded and dropped even with the client off, beside the services on the
edge's path. Each kind of device event is held on the bus (see :class:`Interest`) only while the
client is connected and the publication includes it; port changes also while Home Assistant
shows the ports.
"""

from __future__ import annotations

from actkit_core.bus import Bus
from actkit_core.interest import Interest
from actkit_mqtt.handlers.deps import Deps
from actkit_proto.base import Event
from actkit_proto.ble import BeaconPresenceChanged, BeaconReceived
from actkit_proto.events import ManualTriggerChanged, RuleChanged
from actkit_proto.io import PortChanged, PortTampered
from actkit_proto.mqtt import ConnectionState, DeviceEventKind

PUBLISHED: dict[DeviceEventKind, type[Event]] = {
    DeviceEventKind.PORT: PortChanged,
    DeviceEventKind.TAMPERING: PortTampered,
    DeviceEventKind.BEACON: BeaconReceived,
    DeviceEventKind.BEACON_PRESENCE: BeaconPresenceChanged,
    DeviceEventKind.RULE: RuleChanged,
    DeviceEventKind.MANUAL_TRIGGER: ManualTriggerChanged,
}
"""The bus event each publication condition publishes."""

BROKER = "the MQTT broker"
"""What holds the device events: the connected client."""


def on_demand(bus: Bus) -> dict[type[Event], Interest]:
    """The device events' interests on ``bus``: nothing is heard until :func:`follow` holds it."""
    return {event_type: bus.on_demand(event_type) for event_type in PUBLISHED.values()}


async def follow(deps: Deps) -> None:
    """Hold the device events to publish now, release the others.

    Called before what follows reads a state to publish, so no later change is missed. One
    follows after the other, each reading the state as it is then: a change of publication
    made while the connection's change is followed ends with both applied.
    """
    async with deps.state.demand_lock:
        state = deps.state
        is_connected = state.connection is ConnectionState.CONNECTED
        kinds = set(state.publication.conditions)
        if state.home_assistant.is_enabled:
            kinds.add(DeviceEventKind.PORT)
        for kind, event_type in PUBLISHED.items():
            interest = deps.on_demand.get(event_type)
            if interest is not None:
                await interest.want(BROKER, is_connected and kind in kinds)
