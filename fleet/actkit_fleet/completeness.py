"""Whether HQ holds every event of each vehicle that the vehicle's source has read.

A vehicle's source in its events shard reports how far it has read the vehicle's events stream
(``seq``: the vehicle's number of the last event it took, nats-server 2.15). HQ should hold each
of the vehicle's events from the first one up to there: what it does not hold is missing. A
shard that has dropped events to its age limit no longer starts at the vehicle's first: the
count starts then at the first event HQ still holds of the vehicle, so an event missing before
that one is not seen.

There should never be one. 200-vehicle simulations lost a vehicle's first event so, when
nats-server answered a reset of the vehicle's consumer with a position the consumer had already
passed by delivering into a subject HQ was not listening on yet (``fleet/README.md``): the source
went on from there and its consumer counted the event as taken. A missing event is in the
vehicle's own stream as long as that keeps it (7 days).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from actkit_fleet import shards
from actkit_fleet.jetstream import JetStreamApi, JsonObject, source_vehicle
from actkit_proto.fleet import VEHICLES_PREFIX, vehicle_prefix

SOURCE_HEADER = "Nats-Stream-Source"
"""Where a sourced event says which stream it came from and its number there (second field)."""


@dataclass(frozen=True)
class Held:
    """One vehicle's events at HQ against how far its source has read."""

    read_to: int
    """The vehicle's number of the last event its source took (0: none yet)."""
    first: int
    """Where the count starts: 1, or the first event HQ still holds when its shard dropped some."""
    held: int
    """Events HQ holds of the vehicle."""

    @property
    def missing(self) -> int:
        """Events from ``first`` to ``read_to`` that HQ does not hold."""
        return max(0, self.read_to - self.first + 1 - self.held) if self.read_to else 0


def held_per_vehicle(info: JsonObject) -> Counter[str]:
    """Events held per vehicle, from a shard's subjects (``veh.<id>.<subject>`` → count)."""
    held: Counter[str] = Counter()
    for subject, count in ((info.get("state") or {}).get("subjects") or {}).items():
        held[subject.split(".")[1]] += int(count)
    return held


async def _first_held(api: JetStreamApi, shard: str, vehicle_id: str) -> int:
    """The vehicle's number of the first of its events the shard holds (0: none)."""
    ask = {"next_by_subj": f"{vehicle_prefix(vehicle_id)}.>", "seq": 0}
    answer = await api.request(f"{api.prefix}.STREAM.MSG.GET.{shard}", json.dumps(ask).encode())
    headers = base64.b64decode((answer.get("message") or {}).get("hdrs") or b"").decode()
    for line in headers.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == SOURCE_HEADER:
            fields = value.split()
            return int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else 0
    return 0


async def shard_held(api: JetStreamApi, shard: str) -> dict[str, Held]:
    """Each vehicle of one shard: how far its source read, and what HQ holds of it.

    Raises:
        FleetError: HQ did not answer.
    """
    info = await api.call(f"STREAM.INFO.{shard}", {"subjects_filter": f"{VEHICLES_PREFIX}.>"})
    held = held_per_vehicle(info)
    has_dropped = int((info.get("state") or {}).get("first_seq", 1)) > 1
    found: dict[str, Held] = {}
    for state in info.get("sources") or []:
        vehicle_id = source_vehicle(state)
        if vehicle_id is None:
            continue
        read_to = int(state.get("seq", 0))
        first = 1
        if has_dropped and held[vehicle_id]:
            first = await _first_held(api, shard, vehicle_id) or 1
        found[vehicle_id] = Held(read_to, first, held[vehicle_id])
    return found


async def fleet_held(api: JetStreamApi, names: Iterable[str] | None = None) -> dict[str, Held]:
    """Every sourced vehicle: how far its source read, and what HQ holds of it.

    ``names``: the shards to look at (every one unless told).

    Raises:
        FleetError: HQ did not answer.
    """
    names = list(await shards.shard_infos(api)) if names is None else list(names)
    parts = await asyncio.gather(*(shard_held(api, name) for name in names))
    return {vehicle_id: held for part in parts for vehicle_id, held in part.items()}
