"""ble.reflexes.set and the inputs' changes: the rules ble carries out itself.

An input's change (``io.port.<id>.changed``) starts or stops the beacons of the rules that follow
it at once, without waiting for the events service, which still evaluates and logs those rules.
"""

from __future__ import annotations

import logging

from actkit_ble.domain.reflexes import check
from actkit_ble.handlers.broadcasts import send_beacon
from actkit_ble.handlers.deps import Deps
from actkit_ble.ports import RadioFull
from actkit_proto.ble import (
    BeaconReflex,
    BeaconReflexes,
    BeaconReflexesChanged,
    SetBeaconReflexes,
)
from actkit_proto.errors import BusError
from actkit_proto.events import rule_holder
from actkit_proto.io import Direction, PortChanged

log = logging.getLogger(__name__)


async def set_beacon_reflexes(command: SetBeaconReflexes, deps: Deps) -> BeaconReflexes:
    """Keep the new list, end the requests of the rules gone, then broadcast what is wanted."""
    check(command.reflexes)
    await deps.store.save_reflexes(command.reflexes)
    await take_reflexes(deps, command.reflexes)
    await announce_reflexes(deps)
    return BeaconReflexes(reflexes=list(deps.reflexes.by_rule.values()))


async def announce_reflexes(deps: Deps) -> None:
    """Tell the reflexes ble follows now, so that the events service sees what ble has."""
    await deps.bus.publish(BeaconReflexesChanged(reflexes=list(deps.reflexes.by_rule.values())))


async def take_reflexes(deps: Deps, reflexes: list[BeaconReflex]) -> None:
    """Follow ``reflexes`` instead of the ones followed until now."""
    for gone in deps.reflexes.replace(reflexes):
        await _ask(deps, gone, is_wanted=False)
    for reflex in deps.reflexes.by_rule.values():
        await _ask(deps, reflex, is_wanted=deps.reflexes.wants(reflex))


async def follow_input(event: PortChanged, deps: Deps) -> None:
    """An input changed: start or stop the beacons of the rules that follow it."""
    if event.direction is not Direction.INPUT:
        return
    deps.reflexes.told.add(event.port_id)
    await _take_input(deps, event.port_id, event.is_active)


async def read_inputs(deps: Deps) -> None:
    """Take the inputs as the bucket keeps them, but those a change has told since the start."""
    try:
        kept = await deps.bus.current(PortChanged)
    except BusError as exc:
        log.warning("could not read the inputs' states: %s", exc.message)
        return
    for event in kept:
        if event.direction is Direction.INPUT and event.port_id not in deps.reflexes.told:
            await _take_input(deps, event.port_id, event.is_active)


async def _take_input(deps: Deps, port_id: int, is_active: bool) -> None:
    if deps.reflexes.inputs.get(port_id) == is_active:
        return
    deps.reflexes.inputs[port_id] = is_active
    for reflex in deps.reflexes.on(port_id):
        await _ask(deps, reflex, is_wanted=deps.reflexes.wants(reflex))


async def _ask(deps: Deps, reflex: BeaconReflex, *, is_wanted: bool) -> None:
    """Start or stop the rule's request for its beacon, as its ``StartBroadcast`` would."""
    system_id, name = reflex.system_id, rule_holder(reflex.rule_id)
    before = deps.broadcasts.beacon(system_id)
    try:
        if is_wanted:
            now_s = deps.clock.monotonic()
            changed = deps.broadcasts.start(system_id, name, reflex.message_type, now_s)
            if changed is not None:
                await send_beacon(deps, system_id, changed, wait_kept=False)
        elif (after := deps.broadcasts.stop(system_id, name)) != before:
            await send_beacon(deps, system_id, after, wait_kept=False)
    except RadioFull as exc:
        deps.broadcasts.stop(system_id, name)
        log.warning("rule %d: cannot broadcast System ID %d: %s", reflex.rule_id, system_id, exc)
    except BusError as exc:  # too many System IDs already, or the controller away (kept)
        log.warning("rule %d: System ID %d: %s", reflex.rule_id, system_id, exc.message)
