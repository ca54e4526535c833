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
source at HQ is still stalled, it removes the source of the vehicle's stream (``EV_<id>``) and
adds it again: the stream's leader sets it up at once, from the last event the stream holds of
it (what HQ stored is the source's position), whatever request was in flight. Nothing depends on
it: without it, the sources resume when nats-server's own retry comes round.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError

from actkit_core.fleetstreams import HEARTBEAT_NS
from actkit_fleet.jetstream import FleetError, JetStreamApi
from actkit_proto.fleet import HQ_ACCOUNT, InvalidVehicleId, check_vehicle_id, hq_events

log = logging.getLogger(__name__)

CONNS_SUBJECT = f"$SYS.ACCOUNT.{HQ_ACCOUNT}.SERVER.CONNS"
"""A node sends the account's connection counts here on every change (a leaf's too)."""
QUEUE = "actkit-fleet-resume"
"""One resumer per HQ node may run: each event is handled by one of them."""
GRACE_S = 0.2
"""Time left to nats-server to resume the source itself before it is set up again."""
FRESH_NS = 2 * HEARTBEAT_NS
"""A source heard from this recently is running (set up, or a message or heartbeat came): two of
its consumer's idle heartbeats. With 0.5 s, a quiet source between two heartbeats counted as
stalled and was set up again for nothing: a quarter of the vehicles linked when the resumer
started, and of those whose link moved to another node when one died (two stream updates each
through HQ's meta leader at that moment). A link back after an outage finds its source silent
for as long as the outage."""
LEAFZ_TIMEOUT_S = 2.0
AT_ONCE = 16
"""Vehicles checked (and their sources set up again) at the same time."""
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
    _last_resumed: dict[str, float] = field(default_factory=dict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _gate: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(AT_ONCE))

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
        before = self._links.get(server_id, set())
        self._links[server_id] = linked
        for leaf in leafs:
            vehicle_id = str(leaf.get("name", ""))
            if int(leaf["id"]) in before or vehicle_id in self._checking:
                continue
            with contextlib.suppress(InvalidVehicleId):
                check_vehicle_id(vehicle_id)
                self._checking.add(vehicle_id)
                self._spawn(self._check(vehicle_id))

    async def _check(self, vehicle_id: str) -> None:
        self.noticed.append(vehicle_id)
        try:
            await asyncio.sleep(GRACE_S)
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    async with self._gate:
                        last = self._last_resumed.get(vehicle_id, -SPACING_S)
                        if time.monotonic() - last < SPACING_S:
                            return
                        if await resume(self.api, vehicle_id):
                            self._last_resumed[vehicle_id] = time.monotonic()
                            self.resumed += 1
                            log.info("%s: linked again, its source set up again", vehicle_id)
                    return
                except FleetError as exc:
                    # Its stream may have no leader yet (the node that led it died).
                    if attempt == ATTEMPTS:
                        log.warning("%s: its source was not set up again: %s", vehicle_id, exc)
                    await asyncio.sleep(RETRY_S)
        finally:
            self._checking.discard(vehicle_id)


def is_stalled(info: dict[str, Any]) -> bool:
    """Whether a vehicle's stream has a source not heard from lately (or in error)."""
    sources = info.get("sources") or []
    return any(
        source.get("error") or not 0 <= int(source.get("active", -1)) < FRESH_NS
        for source in sources
    )


async def resume(api: JetStreamApi, vehicle_id: str) -> bool:
    """Set up the vehicle's source at HQ again if it is stalled; whether it was.

    Removing it and adding it again has the stream's leader drop whatever it waited for and
    set the source up at once, from the last event of it the stream holds.
    """
    info = await api.stream(hq_events(vehicle_id))
    if info is None or not info["config"].get("sources") or not is_stalled(info):
        return False
    config = info["config"]
    update = f"STREAM.UPDATE.{config['name']}"
    await api.call(update, {**config, "sources": []})
    await _add_again(api, update, config)
    return True


async def _add_again(api: JetStreamApi, update: str, config: dict[str, Any]) -> None:
    """The removed source added again, tried until it holds: the stream is without it meanwhile.

    Raises:
        FleetError: every try failed. The log says which stream is left without its source
            and holds the configuration to put back (its events wait on the vehicle meanwhile).
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            await api.call(update, config)
            return
        except FleetError as exc:
            if attempt == ATTEMPTS:
                log.error(
                    "%s is left without its source (%s); its events wait on the vehicle. "
                    "Put this configuration back (nats stream edit --config): %s",
                    config["name"],
                    exc,
                    json.dumps(config),
                )
                raise
            await asyncio.sleep(RETRY_S)
