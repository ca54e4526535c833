"""The ble service's message handlers and its handler table."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from actkit_ble.domain import Broadcasts, Receiver, broadcast_changed
from actkit_ble.metrics import BEACONS_RECEIVED, BROADCASTS_ACTIVE, PAYLOAD_UPDATES, RADIO_FAILURES
from actkit_ble.params import FIELDS
from actkit_ble.ports import (
    BeaconRadio,
    BeaconSimulator,
    RadioFull,
    RadioState,
    RadioUnavailable,
    Sighting,
)
from actkit_ble.store import SettingsStore
from actkit_core.bus import Handlers, Publisher
from actkit_core.params import parameter_handlers
from actkit_core.section_params import Section, SectionParameters
from actkit_proto import Ack, Conflict, Unavailable
from actkit_proto.beacon import Beacon, encode
from actkit_proto.ble import (
    AdapterState,
    AdapterStateChanged,
    BeaconSettings,
    BroadcastList,
    GetAdapterState,
    GetBeaconSettings,
    InjectBeacon,
    ListBroadcasts,
    SetBeaconSettings,
    StartBroadcast,
    StopBroadcast,
)
from actkit_proto.events import RuleBeaconsChanged
from actkit_proto.params import RestoreSettings


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
    clock: Callable[[], float] = field(default=time.monotonic)
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when a deadline may have moved, so the timer loop looks again."""
    adapter_state: AdapterState = field(
        default_factory=lambda: AdapterState(
            is_present=False, is_powered=False, is_discovering=False, advertising_instances=0
        )
    )


async def start_broadcast(command: StartBroadcast, deps: Deps) -> Ack:
    duration_s = None if command.duration_ms is None else command.duration_ms / 1000
    beacon = deps.broadcasts.start(
        command.system_id, command.broadcaster, command.message_type, deps.clock(), duration_s
    )
    deps.wakeup.set()
    if beacon is not None:
        try:
            await _send(deps, command.system_id, beacon)
        except RadioFull as exc:
            deps.broadcasts.stop(command.system_id, command.broadcaster)
            raise Conflict(f"cannot broadcast System ID {command.system_id}: {exc}") from None
    return Ack()


async def stop_broadcast(command: StopBroadcast, deps: Deps) -> Ack:
    before = deps.broadcasts.beacon(command.system_id)
    beacon = deps.broadcasts.stop(command.system_id, command.broadcaster)
    if beacon != before:
        await _send(deps, command.system_id, beacon)
    return Ack()


async def list_broadcasts(_command: ListBroadcasts, deps: Deps) -> BroadcastList:
    return BroadcastList(broadcasts=deps.broadcasts.views())


async def get_beacon_settings(_command: GetBeaconSettings, deps: Deps) -> BeaconSettings:
    return deps.receiver.settings


async def set_beacon_settings(command: SetBeaconSettings, deps: Deps) -> BeaconSettings:
    settings = command.settings
    previous = deps.receiver.settings
    was_watching = deps.receiver.is_watching
    await deps.store.save(settings)
    for event in deps.receiver.configure(settings):
        await deps.bus.publish(event)
    deps.wakeup.set()
    if settings.company_id != previous.company_id:
        for system_id, beacon in deps.broadcasts.beacons().items():
            await _send(deps, system_id, beacon, announce=False)
    if deps.receiver.is_watching != was_watching:
        await deps.radio.scan(deps.receiver.is_watching)
    return settings


async def follow_rule_beacons(event: RuleBeaconsChanged, deps: Deps) -> None:
    """Receive the System IDs the rules wait for too (the events service tells them)."""
    was_watching = deps.receiver.is_watching
    for gone in deps.receiver.follow_rules(event.system_ids):
        await deps.bus.publish(gone)
    deps.wakeup.set()
    if deps.receiver.is_watching != was_watching:
        await deps.radio.scan(deps.receiver.is_watching)


async def get_adapter_state(_command: GetAdapterState, deps: Deps) -> AdapterState:
    return deps.adapter_state


async def inject_beacon(command: InjectBeacon, deps: Deps) -> Ack:
    if deps.simulator is None:
        raise Unavailable("the Bluetooth controller is real; the simulator is off")
    beacon = Beacon(command.system_id, command.message_type, command.sequence, command.flags)
    company_id = command.company_id
    if company_id is None:
        company_id = deps.receiver.settings.company_id
    deps.simulator.hear(company_id, encode(beacon), command.rssi_dbm)
    return Ack()


async def report_sighting(sighting: Sighting, deps: Deps) -> None:
    """Judge one advertising report and publish what it changes (the receiver's hot path)."""
    verdict, events = deps.receiver.receive(
        sighting.manufacturer_data, sighting.rssi_dbm, deps.clock()
    )
    BEACONS_RECEIVED.labels(verdict.value).inc()
    if events:
        # A new presence brings a deadline nearer; a repeat only moves it later.
        deps.wakeup.set()
    for event in events:
        await deps.bus.publish(event)


async def report_radio_state(state: RadioState, deps: Deps) -> None:
    """Publish the controller's state when it changed."""
    view = AdapterState(
        is_present=state.is_present,
        is_powered=state.is_powered,
        is_discovering=state.is_discovering,
        advertising_instances=state.advertising_instances,
        supported_instances=state.supported_instances,
        address=state.address,
    )
    if view != deps.adapter_state:
        deps.adapter_state = view
        await deps.bus.publish(AdapterStateChanged(state=view))


async def expire_due(deps: Deps) -> float | None:
    """Stop timed broadcasts and absent beacons that are due; returns the next deadline."""
    now_s = deps.clock()
    for event in deps.receiver.expire(now_s):
        await deps.bus.publish(event)
    for system_id, broadcaster in deps.broadcasts.expired(now_s):
        await stop_broadcast(StopBroadcast(system_id=system_id, broadcaster=broadcaster), deps)
    deadlines = [deps.receiver.next_deadline(), deps.broadcasts.next_deadline()]
    return min((d for d in deadlines if d is not None), default=None)


async def _send(deps: Deps, system_id: int, beacon: Beacon | None, announce: bool = True) -> None:
    """Hand a System ID's beacon to the radio (``None`` withdraws it), then tell the bus.

    Raises:
        RadioFull: the controller took nothing; nothing is told.
        Unavailable: the controller is away; it keeps the beacon and sends it when back.
    """
    failure: Unavailable | None = None
    try:
        if beacon is None:
            await deps.radio.withdraw(system_id)
        else:
            PAYLOAD_UPDATES.inc()
            await deps.radio.advertise(system_id, deps.receiver.settings.company_id, encode(beacon))
    except RadioUnavailable as exc:
        RADIO_FAILURES.labels("unavailable").inc()
        failure = Unavailable(
            f"{exc}; the beacon of System ID {system_id} will be sent as soon as it is back"
        )
    except RadioFull:
        RADIO_FAILURES.labels("full").inc()
        raise
    BROADCASTS_ACTIVE.set(len(deps.broadcasts.beacons()))
    if announce:
        await deps.bus.publish(broadcast_changed(system_id, beacon))
    if failure is not None:
        raise failure


async def restore_settings(_command: RestoreSettings, deps: Deps) -> Ack:
    """The beacon settings back to defaults (none is on the manual's keep-list).

    What is being broadcast is not a setting: the rules that asked for it let go themselves.
    """
    await set_beacon_settings(SetBeaconSettings(settings=BeaconSettings()), deps)
    return Ack()


def beacon_parameters(deps: Deps) -> SectionParameters:
    """Plain-config parameters; a set goes through :func:`set_beacon_settings`."""
    beacon = Section(
        lambda: get_beacon_settings(GetBeaconSettings(), deps),
        lambda settings: set_beacon_settings(SetBeaconSettings(settings=settings), deps),
    )
    return SectionParameters(FIELDS, {"beacon": beacon})


HANDLERS: Handlers[Deps] = {
    StartBroadcast: start_broadcast,
    StopBroadcast: stop_broadcast,
    ListBroadcasts: list_broadcasts,
    GetBeaconSettings: get_beacon_settings,
    SetBeaconSettings: set_beacon_settings,
    GetAdapterState: get_adapter_state,
    InjectBeacon: inject_beacon,
    RestoreSettings: restore_settings,
    **parameter_handlers(beacon_parameters),
    RuleBeaconsChanged: follow_rule_beacons,
}
