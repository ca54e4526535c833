"""Beacon reception and its settings: ble.settings.get|set, ble.beacons.list, restore, sightings."""

from __future__ import annotations

from actkit_ble.handlers.broadcasts import send_beacon
from actkit_ble.handlers.deps import Deps
from actkit_ble.metrics import BEACONS_RECEIVED
from actkit_ble.params import FIELDS
from actkit_ble.ports import Sighting
from actkit_core.section_params import Section, SectionParameters
from actkit_proto import Ack, Unavailable
from actkit_proto.beacon import Beacon
from actkit_proto.ble import (
    BeaconSettings,
    GetBeaconSettings,
    InjectBeacon,
    ListReceivedBeacons,
    ReceivedBeaconList,
    SetBeaconSettings,
)
from actkit_proto.events import RuleBeaconsChanged
from actkit_proto.params import RestoreSettings


async def get_beacon_settings(_command: GetBeaconSettings, deps: Deps) -> BeaconSettings:
    return deps.receiver.settings


async def list_received_beacons(_command: ListReceivedBeacons, deps: Deps) -> ReceivedBeaconList:
    return deps.receiver.received(deps.clock.monotonic())


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
            await send_beacon(deps, system_id, beacon, announce=False)
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


async def report_sighting(sighting: Sighting, deps: Deps) -> None:
    """Judge one advertising report and publish what it changes (the receiver's hot path)."""
    verdict, events = deps.receiver.receive(
        sighting.manufacturer_data, sighting.rssi_dbm, deps.clock.monotonic()
    )
    BEACONS_RECEIVED.labels(verdict.value).inc()
    if events:
        # A new presence brings a deadline nearer; a repeat only moves it later.
        deps.wakeup.set()
    for event in events:
        await deps.bus.publish(event)


async def inject_beacon(command: InjectBeacon, deps: Deps) -> Ack:
    if deps.simulator is None:
        raise Unavailable("the Bluetooth controller is real; the simulator is off")
    beacon = Beacon(command.system_id, command.message_type, command.sequence, command.flags)
    company_id = command.company_id
    if company_id is None:
        company_id = deps.receiver.settings.company_id
    deps.simulator.hear(company_id, deps.receiver.codec.encode(beacon), command.rssi_dbm)
    return Ack()


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
