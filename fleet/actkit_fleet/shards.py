"""The fleet's events at HQ, in a few streams each sourcing a share of the vehicles.

``setup`` makes :data:`DEFAULT_SHARDS` of them (``EV_00`` …, ``--shards``); a vehicle's source
(``> -> veh.<id>.>``) goes to the one with the fewest at its first link
(:mod:`actkit_fleet.firstlink`), ``revoke`` removes it. Which shard holds a vehicle is read from
the shards' sources (the vehicle's JetStream API prefix): nothing else to keep in step, and more
shards made later take the next vehicles.

A shard's sources change by one stream update, which nats-server applies source by source
(``server/stream.go``, ``updateWithAdvisory``): a source added is set up from the last event of
it the stream holds, one removed is stopped, the others run on untouched. An update rewrites
the shard's whole configuration, so it is read just before and changes only the sources named,
under the shard's lock (:mod:`actkit_fleet.shardlock`): nats-server takes no revision to check an
update against, and two changes of one shard at once would undo one of them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Collection, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from actkit_fleet import shardlock
from actkit_fleet.jetstream import (
    FleetError,
    JetStreamApi,
    JsonObject,
    events_shard_at_hq,
    source_vehicle,
    uplink_source,
)
from actkit_proto.fleet import events_shard, hq_events

DEFAULT_SHARDS = 6
"""Shards ``setup`` makes unless told: two leaders a node on three nodes, so a node's death
moves about a third of the fleet's sources, to both nodes left. Each is one replicated Raft
group at HQ where one stream a vehicle made 200 (``fleet/README.md``)."""


@dataclass(frozen=True)
class Placed:
    """Where a vehicle's events go at HQ and how its source is doing."""

    shard: str
    """The events stream (``EV_<n>``) that sources it."""
    state: JsonObject
    """Its source's state in that stream (``active``, ``lag``, ``error``); empty before any."""
    leader: str
    """The HQ node leading that stream."""


def _is_shard(info: JsonObject) -> bool:
    return events_shard(str(info["config"]["name"])) is not None


async def shard_infos(api: JetStreamApi) -> dict[str, JsonObject]:
    """Every events shard's info, by name."""
    return {str(info["config"]["name"]): info for info in await api.streams() if _is_shard(info)}


def placed(infos: Iterable[JsonObject]) -> dict[str, Placed]:
    """Each sourced vehicle's shard, from the shards' infos."""
    found: dict[str, Placed] = {}
    for info in infos:
        name = str(info["config"]["name"])
        leader = str((info.get("cluster") or {}).get("leader", ""))
        states = {source_vehicle(state): state for state in info.get("sources") or []}
        for source in info["config"].get("sources") or []:
            vehicle_id = source_vehicle(source)
            if vehicle_id is not None:
                found[vehicle_id] = Placed(name, states.get(vehicle_id) or {}, leader)
    return found


async def vehicle_sources(api: JetStreamApi) -> dict[str, Placed]:
    """Every sourced vehicle's shard and source state."""
    return placed((await shard_infos(api)).values())


async def shard_of(api: JetStreamApi, vehicle_id: str) -> str:
    """The shard sourcing the vehicle.

    Raises:
        FleetError: none does (not registered, or revoked).
    """
    where = (await vehicle_sources(api)).get(vehicle_id)
    if where is None:
        raise FleetError(
            f"vehicle {vehicle_id} has no source in HQ's events streams: it gets one at its first "
            "link, from `actkit-fleet resume` (is it registered, linked, and a resumer running?)"
        )
    return where.shard


async def ensure(api: JetStreamApi, count: int, replicas: int) -> None:
    """Make (or update) shards ``EV_00`` up to ``count``; those holding vehicles are kept.

    Raises:
        FleetError: ``count`` is out of range, or HQ has more shards already (fewer would
            leave their vehicles' sources out), before anything is changed.
    """
    if not 1 <= count <= 100:
        raise FleetError(f"--shards takes 1 to 100 events streams, not {count}")
    beyond = sorted(name for name in await shard_infos(api) if (events_shard(name) or 0) >= count)
    if beyond:
        raise FleetError(
            f"HQ has events streams up to {beyond[-1]} already: --shards {count} would leave "
            f"their vehicles out; give at least {(events_shard(beyond[-1]) or 0) + 1}"
        )
    await api.ensure_stream(shardlock.locks_at_hq(replicas))
    for shard in range(count):
        async with shardlock.held(api, hq_events(shard), "setup"):
            await api.ensure_stream(events_shard_at_hq(shard, replicas))


def placement(infos: Iterable[JsonObject], vehicle_ids: Iterable[str]) -> dict[str, list[str]]:
    """New vehicles over the shards, each to the one holding the fewest at that point."""
    sizes = {
        str(info["config"]["name"]): len(info["config"].get("sources") or []) for info in infos
    }
    if not sizes:
        raise FleetError("HQ has no events streams: run `actkit-fleet setup`")
    chosen: dict[str, list[str]] = {}
    for vehicle_id in vehicle_ids:
        shard = min(sorted(sizes), key=sizes.__getitem__)
        sizes[shard] += 1
        chosen.setdefault(shard, []).append(vehicle_id)
    return chosen


@asynccontextmanager
async def _held_config(
    api: JetStreamApi, shard: str, doing: str
) -> AsyncIterator[tuple[shardlock.Lock, JsonObject]]:
    """The shard's lock held, and its info read under it."""
    async with shardlock.held(api, shard, doing) as lock:
        info = await api.stream(shard)
        if info is None:
            raise FleetError(f"there is no stream {shard}: run `actkit-fleet setup` first")
        yield lock, info


async def _write(
    api: JetStreamApi, lock: shardlock.Lock, config: JsonObject, sources: list[JsonObject]
) -> None:
    """The shard's configuration as read, with these sources, if the lock lasts the request."""
    lock.check_time(api.longest_s)
    await api.call(f"STREAM.UPDATE.{lock.shard}", {**config, "sources": sources})


async def change_sources(
    api: JetStreamApi,
    shard: str,
    doing: str,
    *,
    adding: Collection[JsonObject] = (),
    removing: Collection[str] = (),
) -> list[JsonObject]:
    """Add sources to a shard and remove vehicles' sources from it, the others untouched.

    Read and written under the shard's lock, ``doing`` naming the change to another waiting.

    Returns:
        The sources removed (their configuration, to add them again).

    Raises:
        FleetError: there is no such shard, its lock stayed held by another change (nothing
            changed), or HQ refused the update.
    """
    async with _held_config(api, shard, doing) as (lock, info):
        config: JsonObject = info["config"]
        current: list[JsonObject] = config.get("sources") or []
        kept = [source for source in current if source_vehicle(source) not in removing]
        present = {source_vehicle(source) for source in kept}
        added = [source for source in adding if source_vehicle(source) not in present]
        if len(kept) < len(current) or added:
            await _write(api, lock, config, kept + added)
    return [source for source in current if source_vehicle(source) in removing]


async def add_vehicles(
    api: JetStreamApi, vehicle_ids: Collection[str], doing: str
) -> dict[str, str]:
    """Sources for the vehicles no shard holds yet, each in the shard holding the fewest.

    One change a shard, under its lock; a vehicle another change added meanwhile is left as is.

    Returns:
        Each vehicle's shard.

    Raises:
        FleetError: HQ has no shards, did not list them, or refused a change.
    """
    infos = (await shard_infos(api)).values()
    held = {vid: where.shard for vid, where in placed(infos).items() if vid in vehicle_ids}
    chosen = placement(infos, [vid for vid in vehicle_ids if vid not in held])
    await asyncio.gather(
        *(
            change_sources(api, shard, doing, adding=[uplink_source(vid) for vid in added])
            for shard, added in chosen.items()
        )
    )
    return {**held, **{vid: shard for shard, added in chosen.items() for vid in added}}


class SourcesLeftOut(FleetError):
    """Sources taken out of a shard that could not be added back: :attr:`sources` to add."""

    def __init__(self, message: str, sources: list[JsonObject]) -> None:
        super().__init__(message)
        self.sources = sources


async def set_up_again(
    api: JetStreamApi, shard: str, doing: str, choose: Callable[[JsonObject], Collection[str]]
) -> list[str]:
    """Remove vehicles' sources from a shard and add them back, under one hold of its lock.

    nats-server tells a shard's sources apart by what they read (the stream, the vehicle's API
    and consumer, the transforms), nothing else, so a source is set up again by an update
    without it and then one with it; the shard is read once, the two written back to back.

    Args:
        api: HQ's JetStream.
        shard: the events stream (``EV_<n>``).
        doing: what for, shown to a writer waiting for the lock.
        choose: which vehicles, from the shard's info as read under the lock (its sources'
            state: ``active``, ``error``).

    Returns:
        The vehicles whose sources were set up again.

    Raises:
        SourcesLeftOut: they were removed and adding them back failed.
        FleetError: nothing changed (no such shard, its lock stayed held, HQ refused).
    """
    async with _held_config(api, shard, doing) as (lock, info):
        config: JsonObject = info["config"]
        current: list[JsonObject] = config.get("sources") or []
        chosen = set(choose(info))
        kept = [source for source in current if source_vehicle(source) not in chosen]
        removed = [source for source in current if source_vehicle(source) in chosen]
        if removed:
            await _write(api, lock, config, kept)
            try:
                await _write(api, lock, config, kept + removed)
            except FleetError as exc:
                raise SourcesLeftOut(str(exc), removed) from exc
    return sorted(str(source_vehicle(source)) for source in removed)
