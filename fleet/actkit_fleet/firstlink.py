"""A vehicle's source at HQ is added when it first links, not when it is registered.

A source added before its vehicle ever linked asks for the vehicle's consumer into the void: its
set-ups time out, and nats-server then keeps a listener on the delivery subject to notice the
vehicle. When the vehicle links, its consumer delivers its first event into that listener, and
the shard's leader drops the listener and resets the consumer at once, that event pending. The
consumer may deliver the event again before it has heard that nobody listens any more, and
answers the reset with its position read after that delivery: HQ's source goes on past an event
it never stored (nats-server 2.15.1, ``fleet/README.md``; ``python -m actkit_fleet.sim.resetrace``
shows the answer). Added once the vehicle is linked and its consumer is there, a source is set
up on a consumer nothing listened to: it delivers nothing before HQ's listener, and its answer
is where the reset put it.

``actkit-fleet resume`` does it: a vehicle's link in a shard-less state is a first link (or the
first since its source was lost); vehicles ready together are added in one change a shard. A
source added is looked at until HQ hears from it: one unheard from (its set-up's ask lost, which
would leave nats-server's listener in place) is taken out and added again once nats-server has
stopped waiting for that ask's answer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from nats.aio.client import Client

from actkit_fleet import shards, stalled
from actkit_fleet.jetstream import FleetError, JetStreamApi
from actkit_proto.fleet import VEHICLE_EVENTS, js_api, uplink_consumer

log = logging.getLogger(__name__)

READY_WAIT_S = 60.0
"""How long a vehicle linked for the first time has to make its events consumer (a vehicle
makes it once its link has learned the vehicle's identity; a light vehicle as soon as it runs)."""
READY_POLL_S = 0.5
ASK_TIMEOUT_S = 1.0
"""How long one question to the vehicle's JetStream waits: it is on the link just made."""
HEARD_WITHIN_S = 2.0
"""A source added is heard from within this (its set-up answered in 0.2 to 0.6 s on a loaded
HQ, then its consumer's first event or idle heartbeat, every second)."""
HEARD_POLL_S = 0.25
ANSWER_WAIT_S = 6.0
"""A source taken out is added again this long after: nats-server waits 5 s for a set-up's answer
(``srcDurableConsumerWaitTime``), and an answer coming after the source was added again would set
the new one up as well, a second listener left behind (``python -m actkit_fleet.sim.setuprace``)."""
ADDITIONS = 3
"""A vehicle's source is added at most this many times for one link; unheard after them, it is
left to nats-server's own retry."""


async def consumer_ready(client: Client, vehicle_id: str) -> bool:
    """Whether the vehicle's JetStream, asked over its link, has HQ's consumer of its events."""
    vehicle = JetStreamApi(client, js_api(vehicle_id), ASK_TIMEOUT_S)
    try:
        await vehicle.call(f"CONSUMER.INFO.{VEHICLE_EVENTS}.{uplink_consumer(vehicle_id)}")
    except FleetError:
        return False  # not there yet, or the vehicle not answering
    return True


@dataclass
class FirstLinks:
    """Adds the sources of vehicles linked for the first time, those ready together at once.

    Args:
        api: HQ's JetStream (the fleet account), also how a vehicle's JetStream is asked.
    """

    api: JetStreamApi
    _ready: set[str] = field(default_factory=set)
    _placed: dict[str, str] = field(default_factory=dict)
    _adding: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def add(self, vehicle_id: str) -> str | None:
        """Add the vehicle's source once its consumer is there; its shard.

        None when its consumer did not come within :data:`READY_WAIT_S` (its next link tries
        again) or HQ refused every change.
        """
        deadline = time.monotonic() + READY_WAIT_S
        while not await consumer_ready(self.api.client, vehicle_id):
            if time.monotonic() > deadline:
                log.warning(
                    "%s: linked, but its events consumer did not answer in %g s: its source is "
                    "added at its next link",
                    vehicle_id,
                    READY_WAIT_S,
                )
                return None
            await asyncio.sleep(READY_POLL_S)
        self._ready.add(vehicle_id)
        placed: dict[str, str] = {}
        async with self._adding:  # the holder takes every vehicle ready by then
            batch, self._ready = sorted(self._ready), set()
            if batch:
                placed = await self._add(batch)
                self._placed.update(placed)  # each one's caller takes its own
        if placed:
            await self.settle(placed)  # the holder looks after its batch
        return self._placed.pop(vehicle_id, None)

    async def _add(self, batch: list[str]) -> dict[str, str]:
        """Add their sources; each one's shard (none when HQ refused every try)."""
        for attempt in range(1, stalled.ATTEMPTS + 1):
            try:
                placed = await shards.add_vehicles(self.api, batch, "first link")
                break
            except FleetError as exc:
                if attempt == stalled.ATTEMPTS:
                    log.warning("%s: no source added: %s", ", ".join(batch), exc)
                    return {}
                await asyncio.sleep(stalled.RETRY_S)
        for vehicle_id, shard in placed.items():
            log.info("%s: linked, its source in %s", vehicle_id, shard)
        return placed

    async def settle(self, placed: dict[str, str]) -> None:
        """Until HQ hears from each source added; one unheard from is taken out and added again.

        Taken out, a source whose set-up's ask was lost drops nats-server's wait for its answer
        and the listener nats-server would keep after that wait.
        """
        try:
            for _ in range(ADDITIONS - 1):
                unheard = await self._unheard(placed)
                if not unheard:
                    return
                log.info(
                    "%s: unheard from %g s after its source was added: taken out, added "
                    "again in %g s",
                    ", ".join(sorted(unheard)),
                    HEARD_WITHIN_S,
                    ANSWER_WAIT_S,
                )
                for shard in set(unheard.values()):
                    out = [vid for vid, where in unheard.items() if where == shard]
                    await shards.change_sources(self.api, shard, "first link", removing=out)
                await asyncio.sleep(ANSWER_WAIT_S)
                placed = await self._add(sorted(unheard))
        except FleetError as exc:
            log.warning("%s: left to nats-server: %s", ", ".join(sorted(placed)), exc)

    async def _unheard(self, placed: dict[str, str]) -> dict[str, str]:
        """Those of the sources HQ has not heard from within :data:`HEARD_WITHIN_S`."""
        unheard = dict(placed)
        deadline = time.monotonic() + HEARD_WITHIN_S
        while unheard:
            sources = await shards.vehicle_sources(self.api)
            unheard = {
                vehicle_id: shard
                for vehicle_id, shard in unheard.items()
                if vehicle_id not in sources or int(sources[vehicle_id].state.get("active", -1)) < 0
            }
            if not unheard or time.monotonic() > deadline:
                break
            await asyncio.sleep(HEARD_POLL_S)
        return unheard
