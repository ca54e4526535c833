"""``actkit-fleet resume``: a vehicle's events flow to HQ again as soon as its link returns.

nats-server resumes a source by itself, but seconds late (``server/stream.go``): while a link is
cut, the source's health check (every 10 s) finds it stalled and sends its durable consumer's
RESET, which cannot reach the vehicle; the stream leader waits 5 s for an answer, then backs
off 10, 20 … s. When the link returns, only the node that took the vehicle's leaf connection
retries its sources, and only those it leads with no request in flight; a source led by
another node waits for its back-off (or the vehicle's next heartbeat), one with a RESET in
flight for its 5 s.

This watches the vehicles' leaf connections instead: the connect event a node sends in HQ's
system account for each connection of the fleet account names the vehicle (a leaf's name is its
server's, the vehicle id), so no node is asked for its links (a ``LEAFZ`` of every link on each
connection change, 50 at once when 50 links returned, answered up to 1.5 s late at 200
vehicles). For a vehicle whose link came back while its source at HQ is still stalled, it
removes that source from its shard (``EV_<n>``) and adds it again: the shard's leader sets it up
at once, from the last event the stream holds of it (what HQ stored is the source's position),
whatever request was in flight; the shard's other sources run on (nats-server applies an update
source by source). Each shard is checked on its own, beside the others: under its lock, read
once, then its two updates back to back, for every vehicle of it due by the time it is read,
unless its leader is new: its own set-ups may still be answered, and one answered after the
removal and the addition would set the source up twice, so the shard is left to it until
:data:`~actkit_fleet.stalled.SETTLING_S` after its election. A source set up so is then
looked at for a few seconds (the shard's info, its ``active``): one its leader never heard
from (the ask lost, which nats-server would retry only after its back-off, 6 to 132 s later),
or heard from once and then silent, is set up again at once.
Without it, the sources resume when nats-server's own retry comes round.

It also adds a vehicle's source when the vehicle first links (:mod:`actkit_fleet.firstlink`): a
linked vehicle that no shard sources has its source added once its events consumer is there, so
that HQ hears of a new vehicle only while the resumer runs (beside every node, in a queue group).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError

from actkit_core.fleetstreams import HEARTBEAT_NS, SECOND_NS
from actkit_fleet import shards, stalled
from actkit_fleet.firstlink import FirstLinks
from actkit_fleet.jetstream import FleetError, JetStreamApi, source_vehicle
from actkit_proto.fleet import HQ_ACCOUNT, InvalidVehicleId, check_vehicle_id

log = logging.getLogger(__name__)

CONNECT_SUBJECT = f"$SYS.ACCOUNT.{HQ_ACCOUNT}.CONNECT"
"""A node announces each connection of the account here as it lets it in: a vehicle's link is
of kind :data:`LEAF_KIND` and named by the vehicle (its server's name, the vehicle id)."""
LEAF_KIND = "Leafnode"
QUEUE = "actkit-fleet-resume"
"""One resumer per HQ node may run: each event is handled by one of them."""
GRACE_S = 0.25
"""How long a shard's check waits after the first vehicle of it due, for the others linking again
with it (a vehicle retries HQ every 0.25 to 0.5 s: links back at one moment return over that),
which its first change then takes along; and for nats-server to resume the sources it resumes
itself (the node a vehicle linked to retries the stalled sources it leads), found running."""
UNKNOWN_LINK_AGE_NS = 8_000_000_000
"""The age given to a link already there at the resumer's start (its return unknown): with
:data:`~actkit_fleet.stalled.FRESH_NS`, a source silent for 10 s is stalled, nats-server's own
threshold."""
LEAFZ_TIMEOUT_S = 2.0
LISTED_FRESH_S = 1.0
"""A vehicle no shard held in a list this recent is taken as unsourced without listing again
(200 vehicles linking for the first time at once would otherwise list the shards 200 times)."""
SPACING_S = 10.0
"""A vehicle's source is set up again at most this often: a link that comes and goes (a loaded
HQ, a weak signal) would otherwise have each of its returns cost HQ two stream updates."""
NOTICED_KEPT = 256
SET_UP_NS = 1_500_000_000
"""How long a source set up again may stay unheard from before it is set up again once more.

The shard's leader asks the vehicle 0.1 to 0.2 s after the addition (at random), and waits 5 s
for its answer; when that ask is lost (a link just made, a loaded HQ), the source falls into
nats-server's back-off and resumes 6 to 38 s later, 132 s once (``fleet/README.md``). An answer
comes in 0.2 to 0.6 s (the median, at 200 vehicles on a loaded machine)."""
SILENT_NS = 3 * HEARTBEAT_NS
"""A source set up again, heard from, then silent this long (three of its consumer's idle
heartbeats) is set up again too: its leader had the vehicle's answer, then nothing flowed."""
WATCHED_NS = 6 * HEARTBEAT_NS
"""How long after its set-up a source is looked at."""
WATCH_S = 0.25
"""How often a shard's sources set up again are looked at."""
SET_UPS = 3
"""A vehicle's source is set up again at most this many times in a row for one return of its
link: one still silent after them waits for nats-server's own retry, as without the resumer."""


@dataclass
class Resumer:
    """Watches the fleet's leaf connections and sets up stalled sources again at once.

    A vehicle's link is known by the node's connect event alone (its name is the vehicle's id),
    and each shard is checked and changed on its own, beside the others: a shard's vehicles
    noticed while it is being changed are taken together after that change. Which shard holds a
    vehicle is kept from one list of the shards (made again for a vehicle it does not know).

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
    looked: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once the vehicles linked at the start were looked for: links are noticed from then
    on by the nodes' connect events alone."""
    _checking: set[str] = field(default_factory=set)
    """Vehicles noticed and not yet checked."""
    _due: dict[str, dict[str, int]] = field(default_factory=dict)
    """By shard, the vehicles noticed and not yet taken by its check: when each linked (ns)."""
    _workers: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    _shards: dict[str, str] = field(default_factory=dict)
    """Each sourced vehicle's shard, as last listed."""
    _listing: asyncio.Lock = field(default_factory=asyncio.Lock)
    _listed_at: float = -LISTED_FRESH_S
    _first_links: FirstLinks = field(init=False)
    _last_resumed: dict[str, float] = field(default_factory=dict)
    _set_ups: dict[str, int] = field(default_factory=dict)
    """Vehicles due again after a set-up that did not take: how many they had."""
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._first_links = FirstLinks(self.api)

    async def run(self, stop: asyncio.Event) -> None:
        """Watch until ``stop`` is set; the vehicles linked at the start are checked too."""
        sub = await self.system.subscribe(CONNECT_SUBJECT, queue=QUEUE, cb=self._on_connect)
        try:
            for server_id in await self._servers():
                await self._look(server_id)
            self.looked.set()
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

    async def _on_connect(self, msg: Msg) -> None:
        try:
            client = json.loads(msg.data)["client"]
            if client.get("kind") == LEAF_KIND:
                self._notice(str(client.get("name", "")), time.monotonic_ns())
        except (ValueError, KeyError, TypeError, AttributeError):
            return

    def _spawn(self, work: Any) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _look(self, server_id: str) -> None:
        """The vehicles linked to a node when the resumer starts, their links of unknown age."""
        body = json.dumps({"account": HQ_ACCOUNT}).encode()
        try:
            reply = await self.system.request(
                f"$SYS.REQ.SERVER.{server_id}.LEAFZ", body, LEAFZ_TIMEOUT_S
            )
            leafs = (json.loads(reply.data).get("data") or {}).get("leafs") or []
            names = [str(leaf.get("name", "")) for leaf in leafs]
        except (NatsError, ValueError, TimeoutError, TypeError, AttributeError):
            return
        for vehicle_id in names:
            self._notice(vehicle_id, time.monotonic_ns() - UNKNOWN_LINK_AGE_NS)

    def _notice(self, vehicle_id: str, linked_ns: int) -> None:
        if vehicle_id in self._checking:
            return
        with contextlib.suppress(InvalidVehicleId):
            check_vehicle_id(vehicle_id)
            self._checking.add(vehicle_id)
            self._spawn(self._check(vehicle_id, linked_ns))

    async def _check(self, vehicle_id: str, linked_ns: int) -> None:
        self.noticed.append(vehicle_id)
        is_handed = False
        try:
            if time.monotonic() - self._last_resumed.get(vehicle_id, -SPACING_S) < SPACING_S:
                return
            shard = await self._shard_of(vehicle_id)
            if shard is None:
                await self._first_link(vehicle_id)
            else:
                self._hand(shard, {vehicle_id: linked_ns})
                is_handed = True
        except FleetError as exc:
            log.warning("%s: its shard is not known: %s", vehicle_id, exc)
        finally:
            if not is_handed:
                self._checking.discard(vehicle_id)

    async def _first_link(self, vehicle_id: str) -> None:
        """Add the source of a linked vehicle no shard holds (:mod:`actkit_fleet.firstlink`)."""
        shard = await self._first_links.add(vehicle_id)
        if shard is not None:
            self._shards[vehicle_id] = shard
            self._last_resumed[vehicle_id] = time.monotonic()

    async def _shard_of(self, vehicle_id: str, *, is_known_wrong: bool = False) -> str | None:
        """The shard holding the vehicle's source; None when none does.

        Raises:
            FleetError: HQ did not list its shards, tried :data:`~actkit_fleet.stalled.ATTEMPTS`
                times.
        """
        async with self._listing:  # one list at a time, for every vehicle it does not know
            is_fresh = time.monotonic() - self._listed_at < LISTED_FRESH_S
            if is_known_wrong or (vehicle_id not in self._shards and not is_fresh):
                for attempt in range(1, stalled.ATTEMPTS + 1):
                    try:
                        placed = await shards.vehicle_sources(self.api)
                        self._shards = {vid: where.shard for vid, where in placed.items()}
                        self._listed_at = time.monotonic()
                        break
                    except FleetError:
                        if attempt == stalled.ATTEMPTS:
                            raise
                        await asyncio.sleep(stalled.RETRY_S)
            return self._shards.get(vehicle_id)

    def _hand(self, shard: str, linked_ns: Mapping[str, int]) -> None:
        """For the shard's next check; its worker started unless it runs."""
        self._due.setdefault(shard, {}).update(linked_ns)
        worker = self._workers.get(shard)
        if worker is None or worker.done():
            self._workers[shard] = self._spawn(self._work(shard))

    async def _work(self, shard: str) -> None:
        """Check the shard's vehicles due until none is left.

        Those due when the shard is read (under its lock, :data:`GRACE_S` after the first) are
        taken together, and those noticed meanwhile together after.
        """
        failures = 0
        watched: dict[str, Watched] = {}
        await asyncio.sleep(GRACE_S)
        while self._due.get(shard) or watched:
            if not self._due.get(shard):
                await asyncio.sleep(WATCH_S)
                await self._watch(shard, watched)
                continue
            taken: dict[str, int] = {}
            read_ns = [0]

            def take(taken: dict[str, int] = taken, read_ns: list[int] = read_ns) -> dict[str, int]:
                taken.update(self._due.pop(shard, {}))
                read_ns[0] = now = time.monotonic_ns()
                return {vid: now - linked_ns for vid, linked_ns in taken.items()}

            try:
                done, absent = await stalled.resume_shard(self.api, shard, take)
            except stalled.NewLeader as exc:
                # Its own set-ups may still be answered: checked again once they cannot be.
                self._due[shard] = {**taken, **self._due.pop(shard, {})}
                log.info("%s: its leader is new; its vehicles checked in %.1f s", shard, exc.wait_s)
                await asyncio.sleep(exc.wait_s)
                continue
            except FleetError as exc:
                # The shard may have no leader yet (the node that led it died).
                failures += 1
                due = {**taken, **self._due.pop(shard, {})}
                if failures < stalled.ATTEMPTS:
                    self._due[shard] = due
                    await asyncio.sleep(stalled.RETRY_S)
                else:
                    failures = 0
                    self._checking -= set(due)
                    log.warning("%s: not set up again: %s", ", ".join(sorted(due)), exc)
                continue
            except BaseException:
                # Cancelled, or the connection lost: none of them is left marked as checked.
                self._checking -= set(taken) | set(self._due.pop(shard, {}))
                raise
            failures = 0
            now_ns = time.monotonic_ns()
            set_ups = {vehicle_id: self._set_ups.pop(vehicle_id, 0) + 1 for vehicle_id in taken}
            for vehicle_id in done:
                self._last_resumed[vehicle_id] = time.monotonic()
                self.resumed += 1
                watched[vehicle_id] = Watched(now_ns, read_ns[0], set_ups[vehicle_id])
                log.info(
                    "%s: linked again, its source set up again (%d)",
                    vehicle_id,
                    set_ups[vehicle_id],
                )
            self._checking -= set(taken)
            for vehicle_id in absent:
                # Not in the shard it was listed in (revoked, registered again elsewhere).
                try:
                    elsewhere = await self._shard_of(vehicle_id, is_known_wrong=True)
                except FleetError:
                    continue
                if elsewhere not in (None, shard) and vehicle_id not in self._checking:
                    self._checking.add(vehicle_id)
                    self._hand(str(elsewhere), {vehicle_id: taken[vehicle_id]})

    async def _watch(self, shard: str, watched: dict[str, Watched]) -> None:
        """Look at the shard's sources set up again, for :data:`WATCHED_NS` after.

        Those still unheard from :data:`SET_UP_NS` after (their leader's ask lost), silent
        :data:`SILENT_NS` after they were heard, or in error, are due again, up to
        :data:`SET_UPS` times in a row.
        """
        try:
            info = await self.api.stream(shard)
        except FleetError:
            return  # looked at again in a moment
        if info is None:
            watched.clear()
            return
        states = {source_vehicle(state): state for state in info.get("sources") or []}
        sourced = {source_vehicle(source) for source in info["config"].get("sources") or []}
        now_ns = time.monotonic_ns()
        for vehicle_id, watch in list(watched.items()):
            state = states.get(vehicle_id) or {}
            active_ns = int(state.get("active", -1))
            since_ns = now_ns - watch.at_ns
            is_heard = 0 <= active_ns < now_ns - watch.read_ns
            if vehicle_id not in sourced or (is_heard and since_ns >= WATCHED_NS):
                del watched[vehicle_id]  # flowing (or no longer in this shard)
            elif (
                state.get("error")
                or (not is_heard and since_ns >= SET_UP_NS)
                or (is_heard and active_ns >= SILENT_NS)
            ):
                del watched[vehicle_id]
                if watch.set_ups >= SET_UPS:
                    log.warning("%s: its source still silent, left to nats-server", vehicle_id)
                else:
                    log.info(
                        "%s: its source %s %.1f s after its set-up: set up again",
                        vehicle_id,
                        f"in error ({state['error']})"
                        if state.get("error")
                        else "heard from, then silent"
                        if is_heard
                        else "unheard from",
                        since_ns / SECOND_NS,
                    )
                    # Taken as stalled unless heard from within SILENT_NS (is_stalled).
                    due_ns = now_ns - SILENT_NS + stalled.FRESH_NS
                    self._due.setdefault(shard, {})[vehicle_id] = due_ns
                    self._set_ups[vehicle_id] = watch.set_ups


@dataclass(frozen=True)
class Watched:
    """A source set up again, looked at for a while."""

    at_ns: int
    """When (monotonic), its shard's lock given back."""
    read_ns: int
    """When its shard was read, just before: what is heard from it after is of its new set-up
    (the leader may hear from it before the lock is given back)."""
    set_ups: int
    """How many times in a row."""
