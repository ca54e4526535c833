"""The broadcasts: ble.broadcast.<system_id>.start|stop, ble.broadcasts.list, and their ends."""

from __future__ import annotations

from actkit_ble.domain.broadcasts import broadcast_changed
from actkit_ble.handlers.deps import Deps
from actkit_ble.metrics import BROADCASTS_ACTIVE, PAYLOAD_UPDATES, RADIO_FAILURES
from actkit_ble.ports import RadioFull, RadioUnavailable
from actkit_proto import Ack, Conflict, Unavailable
from actkit_proto.beacon import Beacon
from actkit_proto.ble import BroadcastList, ListBroadcasts, StartBroadcast, StopBroadcast


async def start_broadcast(command: StartBroadcast, deps: Deps) -> Ack:
    duration_s = None if command.duration_ms is None else command.duration_ms / 1000
    beacon = deps.broadcasts.start(
        command.system_id,
        command.broadcaster,
        command.message_type,
        deps.clock.monotonic(),
        duration_s,
    )
    deps.wakeup.set()
    if beacon is not None:
        try:
            await send_beacon(deps, command.system_id, beacon)
        except RadioFull as exc:
            deps.broadcasts.stop(command.system_id, command.broadcaster)
            raise Conflict(f"cannot broadcast System ID {command.system_id}: {exc}") from None
    return Ack()


async def stop_broadcast(command: StopBroadcast, deps: Deps) -> Ack:
    before = deps.broadcasts.beacon(command.system_id)
    beacon = deps.broadcasts.stop(command.system_id, command.broadcaster)
    if beacon != before:
        await send_beacon(deps, command.system_id, beacon)
    return Ack()


async def list_broadcasts(_command: ListBroadcasts, deps: Deps) -> BroadcastList:
    return BroadcastList(broadcasts=deps.broadcasts.views())


async def expire_due(deps: Deps) -> float | None:
    """Stop timed broadcasts and absent beacons that are due; returns the next deadline."""
    now_s = deps.clock.monotonic()
    for event in deps.receiver.expire(now_s):
        await deps.bus.publish(event)
    for system_id, broadcaster in deps.broadcasts.expired(now_s):
        await stop_broadcast(StopBroadcast(system_id=system_id, broadcaster=broadcaster), deps)
    deadlines = [deps.receiver.next_deadline(), deps.broadcasts.next_deadline()]
    return min((d for d in deadlines if d is not None), default=None)


async def send_beacon(
    deps: Deps,
    system_id: int,
    beacon: Beacon | None,
    announce: bool = True,
    *,
    wait_kept: bool = True,
) -> None:
    """Hand a System ID's beacon to the radio (``None`` withdraws it), then tell the bus.

    ``wait_kept``: return once the bucket keeps the change (a command's answer says it), else
    as soon as it is published (an input's reflex, which must keep up with the input).

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
            payload = deps.receiver.codec.encode(beacon)
            await deps.radio.advertise(system_id, deps.receiver.settings.company_id, payload)
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
        await deps.bus.publish(broadcast_changed(system_id, beacon), wait_kept=wait_kept)
    if failure is not None:
        raise failure
