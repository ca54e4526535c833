"""``actkit-fleet resume``: a vehicle's events flow to HQ again as soon as its link returns.

nats-server resumes a source by itself, but seconds late (``server/stream.go``): while a link is
cut, the source's health check (every 10 s) finds it stalled and sends its durable consumer's
RESET, which cannot reach the vehicle; the stream leader waits 5 s for an answer, then backs
off 10, 20 … s. When the link returns, only the node that took the vehicle's leaf connection
retries its sources, and only those it leads with no request in flight; a source led by
another node waits for its back-off (or the vehicle's next heartbeat), one with a RESET in
flight for its 5 s.

This watches the vehicles' leaf connections instead (the fleet account's connection events in
HQ's system account, then that node's ``LEAFZ``). For a vehicle whose link came back while its
source at HQ is still stalled, it removes that source from its shard (``EV_<n>``) and adds it
again: the shard's leader sets it up at once, from the last event the stream holds of it (what
HQ stored is the source's position), whatever request was in flight; the shard's other sources
run on (nats-server applies an update source by source). The vehicles noticed together are set
up again together: two updates a shard, whatever their number. Nothing depends on it: without
it, the sources resume when nats-server's own retry comes round.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError

from actkit_core.fleetstreams import HEARTBEAT_NS
from actkit_fleet import shards
from actkit_fleet.jetstream import FleetError, JetStreamApi, JsonObject
from actkit_proto.fleet import HQ_ACCOUNT, InvalidVehicleId, check_vehicle_id

log = logging.getLogger(__name__)

CONNS_SUBJECT = f"$SYS.ACCOUNT.{HQ_ACCOUNT}.SERVER.CONNS"
"""A node sends the account's connection counts here on every change (a leaf's too)."""
QUEUE = "actkit-fleet-resume"
"""One resumer per HQ node may run: each event is handled by one of them."""
GRACE_S = 0.2
"""Time left to nats-server to resume the source itself before it is set up again."""
FRESH_NS = 2 * HEARTBEAT_NS
"""A source heard from since its link came back, or at most this long before, is running: two of
its consumer's idle heartbeats. A link back after an outage finds its source silent for as long
as the outage. Counted from the link's return, not from the check: on a loaded HQ (200 vehicles
on one 2-core machine) the heartbeats of running sources came 2 to 4 s apart, and a check
against two heartbeats from the moment it was made set up again 285 running sources in five
minutes, each an update of its shard, which loaded HQ further."""
UNKNOWN_LINK_AGE_NS = 8_000_000_000
"""The age given to a link already there at the first look at a node (its return unknown): with
:data:`FRESH_NS`, a source silent for 10 s is stalled, nats-server's own threshold."""
LEAFZ_TIMEOUT_S = 2.0
ATTEMPTS = 5
SPACING_S = 10.0
"""A vehicle's source is set up again at most this often: a link that comes and goes (a loaded
HQ, a weak signal) would otherwise have each of its returns cost HQ two stream updates."""
NOTICED_KEPT = 256
RETRY_S = 2.0


@dataclass
class Resumer:
    """Watches the fleet's leaf connections and sets up stalled sources again at once.

    Args:
        system: a connection of HQ's system account (connection events, ``LEAFZ``).
        api: HQ's JetStream (the fleet account).
    """

    system: Client
    api: JetStreamApi
    resumed: int = 0
    """Sources set up again, for the log and the tests."""
    noticed: deque[str] = field(default_factory=lambda: deque(maxlen=NOTICED_KEPT))
    """The last vehicles whose new link was noticed (and their source checked), in order."""
    _links: dict[str, set[int]] = field(default_factory=dict)
    """Leaf connection ids each node held at its last look."""
    _checking: set[str] = field(default_factory=set)
    """Vehicles noticed and not yet checked."""
    _due: dict[str, int] = field(default_factory=dict)
    """Vehicles whose grace is out, for the next check: when each linked (monotonic ns)."""
    _checker: asyncio.Task[None] | None = None
    _last_resumed: dict[str, float] = field(default_factory=dict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def run(self, stop: asyncio.Event) -> None:
        """Watch until ``stop`` is set; the vehicles linked at the start are checked too."""
        sub = await self.system.subscribe(CONNS_SUBJECT, queue=QUEUE, cb=self._on_conns)
        try:
            for server_id in await self._servers():
                await self._look(server_id)
            await stop.wait()
        finally:
            with contextlib.suppress(NatsError):
                await sub.unsubscribe()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _servers(self) -> list[str]:
        """Every HQ node's id (each answers the system account's ping)."""
        inbox = self.system.new_inbox()
        answers = await self.system.subscribe(inbox)
        found: list[str] = []
        try:
            await self.system.publish("$SYS.REQ.SERVER.PING", b"", reply=inbox)
            while True:
                try:
                    msg = await answers.next_msg(timeout=LEAFZ_TIMEOUT_S / 2)
                except TimeoutError:
                    return found
                found.append(str(json.loads(msg.data)["server"]["id"]))
        finally:
            await answers.unsubscribe()

    async def _on_conns(self, msg: Msg) -> None:
        try:
            server_id = str(json.loads(msg.data)["server"]["id"])
        except (ValueError, KeyError, TypeError):
            return
        self._spawn(self._look(server_id))

    def _spawn(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _look(self, server_id: str) -> None:
        """The node's leaf connections: a vehicle linked since the last look is checked."""
        body = json.dumps({"account": HQ_ACCOUNT}).encode()
        try:
            reply = await self.system.request(
                f"$SYS.REQ.SERVER.{server_id}.LEAFZ", body, LEAFZ_TIMEOUT_S
            )
            leafs = (json.loads(reply.data).get("data") or {}).get("leafs") or []
            linked = {int(leaf["id"]) for leaf in leafs}
        except (NatsError, ValueError, TimeoutError, KeyError, TypeError, AttributeError):
            return
        is_first_look = server_id not in self._links
        before = self._links.get(server_id, set())
        self._links[server_id] = linked
        linked_ns = time.monotonic_ns() - (UNKNOWN_LINK_AGE_NS if is_first_look else 0)
        for leaf in leafs:
            vehicle_id = str(leaf.get("name", ""))
            if int(leaf["id"]) in before or vehicle_id in self._checking:
                continue
            with contextlib.suppress(InvalidVehicleId):
                check_vehicle_id(vehicle_id)
                self._checking.add(vehicle_id)
                self._spawn(self._check(vehicle_id, linked_ns))

    async def _check(self, vehicle_id: str, linked_ns: int) -> None:
        self.noticed.append(vehicle_id)
        await asyncio.sleep(GRACE_S)
        if time.monotonic() - self._last_resumed.get(vehicle_id, -SPACING_S) < SPACING_S:
            self._checking.discard(vehicle_id)
            return
        self._due[vehicle_id] = linked_ns
        if self._checker is None or self._checker.done():
            self._checker = asyncio.create_task(self._check_due())
            self._tasks.add(self._checker)
            self._checker.add_done_callback(self._tasks.discard)

    async def _check_due(self) -> None:
        """Check the vehicles due, together, until none is left (more come in meanwhile)."""
        while self._due:
            batch, self._due = self._due, {}
            try:
                for attempt in range(1, ATTEMPTS + 1):
                    now = time.monotonic_ns()
                    linked_for = {vid: now - linked_ns for vid, linked_ns in batch.items()}
                    try:
                        for vehicle_id in await resume(self.api, linked_for):
                            self._last_resumed[vehicle_id] = time.monotonic()
                            self.resumed += 1
                            log.info("%s: linked again, its source set up again", vehicle_id)
                        break
                    except FleetError as exc:
                        # A shard may have no leader yet (the node that led it died).
                        if attempt == ATTEMPTS:
                            log.warning("%s: not set up again: %s", ", ".join(sorted(batch)), exc)
                        await asyncio.sleep(RETRY_S)
            finally:
                self._checking -= set(batch)


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
    stalled: dict[str, set[str]] = defaultdict(set)
    for vehicle_id, where in (await shards.vehicle_sources(api)).items():
        if vehicle_id in linked_for_ns and is_stalled(where.state, linked_for_ns[vehicle_id]):
            stalled[where.shard].add(vehicle_id)
    await asyncio.gather(*(_set_up_again(api, shard, ids) for shard, ids in stalled.items()))
    return sorted(vehicle_id for ids in stalled.values() for vehicle_id in ids)


async def _set_up_again(api: JetStreamApi, shard: str, vehicle_ids: set[str]) -> None:
    """The vehicles' sources out of the shard, then in again, tried until they hold.

    Raises:
        FleetError: every try to add them again failed. The log says which shard is left
            without which sources and holds them to put back (their events wait on the
            vehicles meanwhile).
    """
    removed = await shards.change_sources(api, shard, "resume", removing=vehicle_ids)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            await shards.change_sources(api, shard, "resume", adding=removed)
            return
        except FleetError as exc:
            if attempt == ATTEMPTS:
                log.error(
                    "%s is left without the sources of %s (%s); their events wait on the "
                    "vehicles. Add these sources back to it (nats stream edit): %s",
                    shard,
                    ", ".join(sorted(vehicle_ids)),
                    exc,
                    json.dumps(removed),
                )
                raise
            await asyncio.sleep(RETRY_S)
