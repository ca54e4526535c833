"""A shard's stalled sources set up again: removed from it and added back, under its lock.

Removing a source and adding it again has the shard's leader drop whatever it waited for and set
the source up at once, from the last event of it the stream holds (what HQ stored is the
source's position). ``actkit-fleet resume`` (:mod:`actkit_fleet.resume`) does it when a
vehicle's link returns.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from actkit_core.fleetstreams import HEARTBEAT_NS
from actkit_fleet import shards
from actkit_fleet.jetstream import FleetError, JetStreamApi, JsonObject, source_vehicle

log = logging.getLogger(__name__)

FRESH_NS = 2 * HEARTBEAT_NS
"""A source heard from since its link came back, or at most this long before, is running: two of
its consumer's idle heartbeats. A link back after an outage finds its source silent for as long
as the outage. Counted from the link's return, not from the check: on a loaded HQ (200 vehicles
on one 2-core machine) the heartbeats of running sources came 2 to 4 s apart, and a check
against two heartbeats from the moment it was made set up again 285 running sources in five
minutes, each an update of its shard, which loaded HQ further."""
ATTEMPTS = 5
"""Tries of a shard's change (and of adding its sources back) before giving up."""
RETRY_S = 2.0
"""The pause between them."""
SETTLING_S = 7.0
"""How long a shard's new leader is left to set its sources up by itself: it asks each vehicle
0.1 to 0.6 s after its election and waits 5 s for each answer (``server/stream.go``). A source
removed and added back while such an ask may still be answered is set up a second time when the
answer comes, with two listeners on its delivery subject, and stalls for good at a later set-up
(``sim.setuprace``; seen at 200 vehicles after an HQ node's death, ``fleet/README.md``)."""


class NewLeader(FleetError):
    """The shard's leader is new: its own set-ups of the sources may still be answered."""

    def __init__(self, shard: str, wait_s: float) -> None:
        super().__init__(
            f"{shard}'s leader was elected less than {SETTLING_S:g} s ago and may still be "
            f"setting its sources up: nothing changed, try again in {wait_s:.1f} s"
        )
        self.wait_s = wait_s


def settling_s(info: JsonObject) -> float:
    """How long the shard's leader is still left alone (0: elected :data:`SETTLING_S` ago).

    From its stream info's ``cluster.leader_since``; 0 when it does not say (one server), never
    more than :data:`SETTLING_S` (a node's clock ahead of this one's).
    """
    since = (info.get("cluster") or {}).get("leader_since")
    try:
        elected = datetime.fromisoformat(str(since))
    except ValueError:
        return 0.0
    if elected.tzinfo is None:
        elected = elected.replace(tzinfo=UTC)
    age_s = (datetime.now(UTC) - elected).total_seconds()
    return min(SETTLING_S, max(0.0, SETTLING_S - age_s))


def is_stalled(source: JsonObject, linked_for_ns: int = 0) -> bool:
    """Whether a source is in error, or silent since before its link's return.

    That is ``linked_for_ns`` ago, and :data:`FRESH_NS` more.
    """
    active_ns = int(source.get("active", -1))
    return bool(source.get("error")) or not 0 <= active_ns < linked_for_ns + FRESH_NS


async def resume(api: JetStreamApi, linked_for_ns: Mapping[str, int]) -> list[str]:
    """Set up again the stalled sources of these vehicles, linked again so long ago; which were.

    Removing a source and adding it again has the shard's leader drop whatever it waited for
    and set the source up at once, from the last event of it the stream holds.
    """
    wanted: dict[str, dict[str, int]] = defaultdict(dict)
    for vehicle_id, where in (await shards.vehicle_sources(api)).items():
        if vehicle_id in linked_for_ns:
            wanted[where.shard][vehicle_id] = linked_for_ns[vehicle_id]
    done = await asyncio.gather(
        *(resume_shard(api, shard, ids.copy) for shard, ids in wanted.items())
    )
    return sorted(vehicle_id for ids, _ in done for vehicle_id in ids)


async def resume_shard(
    api: JetStreamApi, shard: str, take: Callable[[], Mapping[str, int]]
) -> tuple[list[str], list[str]]:
    """Set up again the stalled sources of some vehicles in one shard.

    Args:
        api: HQ's JetStream.
        shard: the events stream (``EV_<n>``).
        take: called once the shard is read under its lock: the vehicles, and how long ago
            each linked again (ns).

    Returns:
        The vehicles set up again, and those taken that the shard does not source.

    Raises:
        NewLeader: a source to set up again is in a shard whose leader is new (nothing
            changed; the vehicles were taken).
        FleetError: nothing changed, or (after every try to add them back) the shard is left
            without their sources: the log says which and holds them to put back (their events
            wait on the vehicles meanwhile).
    """
    sourced: set[str] = set()
    taken: set[str] = set()

    def stalled(info: JsonObject) -> set[str]:
        linked_for_ns = take()
        taken.update(linked_for_ns)
        states = {source_vehicle(state): state for state in info.get("sources") or []}
        sourced.update(
            str(source_vehicle(source)) for source in info["config"].get("sources") or []
        )
        chosen = {
            vid
            for vid, linked_for in linked_for_ns.items()
            if vid in sourced and is_stalled(states.get(vid) or {}, linked_for)
        }
        wait_s = settling_s(info)
        if chosen and wait_s:
            raise NewLeader(shard, wait_s)
        return chosen

    try:
        done = await shards.set_up_again(api, shard, "resume", stalled)
    except shards.SourcesLeftOut as exc:
        await _add_back(api, shard, exc.sources, exc)
        done = sorted(str(source_vehicle(source)) for source in exc.sources)
    return done, sorted(taken - sourced)


async def _add_back(
    api: JetStreamApi, shard: str, removed: list[JsonObject], error: FleetError
) -> None:
    """Sources out of their shard, added back, tried until they hold.

    Raises:
        FleetError: every try failed. The log says which shard is left without which sources
            and holds them to put back (their events wait on the vehicles meanwhile).
    """
    for _ in range(ATTEMPTS - 1):  # the first try was the caller's
        await asyncio.sleep(RETRY_S)
        try:
            await shards.change_sources(api, shard, "resume", adding=removed)
            return
        except FleetError as exc:
            error = exc
    vehicle_ids = sorted(str(source_vehicle(source)) for source in removed)
    log.error(
        "%s is left without the sources of %s (%s); their events wait on the "
        "vehicles. Add these sources back to it (nats stream edit): %s",
        shard,
        ", ".join(vehicle_ids),
        error,
        json.dumps(removed),
    )
    raise error
