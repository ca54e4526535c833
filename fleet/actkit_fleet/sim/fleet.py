"""A whole fleet on loopback: the HQ cluster, light vehicles, a cuttable proxy on every link.

Each vehicle's events carry their number (header :data:`SEQ_HEADER`) and the time they were
sent (:data:`SENT_HEADER`): what HQ ends up with is checked against what each vehicle had
stored, in order, none missing, none twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import DeliverPolicy
from nats.js.errors import APIError

from actkit_fleet import provision, shards
from actkit_fleet.hqconf import LeafTls
from actkit_fleet.jetstream import FleetError, JetStreamApi
from actkit_fleet.leafconf import LeafLink
from actkit_fleet.sim.cluster import (
    API_TIMEOUT_S,
    HqCluster,
    LightVehicle,
    light_vehicles,
    until_jetstream,
)
from actkit_fleet.sim.proxy import LinkProxy
from actkit_proto.fleet import VEHICLES_PREFIX

log = logging.getLogger(__name__)

SEQ_HEADER = "Fleet-Seq"
SENT_HEADER = "Fleet-Sent-Ns"
CLOSE_TIMEOUT_S = 10.0
START_BATCH = 25
"""Vehicles started at once: more only queue behind the two cores."""
POLL_PER_VEHICLE_S = 0.01
"""While the simulation waits on HQ's streams it asks for them this much less often per vehicle
(0.25 s at 25 vehicles or fewer, 2 s at 200): each ask is a ``STREAM.LIST``, which HQ answers
from every stream's leader (200 requests inside HQ)."""
READ_ATTEMPTS = 3
SOURCED_TIMEOUT_S = 120.0
"""How long the start waits for the resumer to have added every vehicle's source."""
VEHICLE_COMPRESSION = "off"
"""The light vehicles link uncompressed: on loopback nats-server's ``s2_auto`` compresses nothing
(a round trip below 10 ms), yet each write to the link goes through an S2 writer whose block
buffer, about 1 MiB, is made again after every collection. On 10 vehicles held to 12 MiB
(``cluster.VEHICLE_GO_ENV``): 1 MiB less PSS a vehicle at the same CPU, and with their heap near
the limit (profiled) 0.29 % of a core a vehicle playing instead of 0.98 % (``fleet/README.md``)."""


@dataclass
class SimVehicle:
    """One light vehicle, its link's proxy, its client and what it has stored so far."""

    vehicle: LightVehicle
    proxy: LinkProxy
    client: Client | None = None
    stored: int = 0
    """Events its own JetStream acknowledged: HQ must end with exactly 1..stored."""
    given_up: int = 0
    """Events its own JetStream did not take in time (not stored: not expected at HQ)."""

    @property
    def vehicle_id(self) -> str:
        """Its id."""
        return self.vehicle.vehicle_id

    async def publish(self, subject: str, payload: bytes, timeout_s: float = 60.0) -> None:
        """Store one event in the vehicle's stream, retrying (same id) while its server is down."""
        assert self.client is not None
        seq = self.stored + 1
        headers = {
            "Nats-Msg-Id": f"{self.vehicle_id}-{seq}",
            SEQ_HEADER: str(seq),
            SENT_HEADER: str(time.time_ns()),
        }
        deadline = time.monotonic() + timeout_s
        js = self.client.jetstream(timeout=1.0)
        while True:
            try:
                await js.publish(subject, payload, headers=headers)
            except (NoRespondersError, NatsTimeout, APIError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)
            else:
                self.stored = seq
                return


@dataclass
class SimFleet:
    """HQ and ``count`` vehicles under ``folder``: :meth:`start`, then :meth:`close`."""

    folder: Path
    count: int
    hq_size: int = 3
    hq_tls: LeafTls | None = None
    vehicle_tls: Callable[[str], tuple[str, str, str]] | None = None
    """mTLS: a vehicle's (CA, certificate, key) files, by its id; HQ's side in ``hq_tls``."""
    is_resuming: bool = True
    """Run ``actkit-fleet resume`` beside HQ from before the vehicles link, as at HQ: it adds
    each vehicle's source at its first link and sets it up again when its link returns. Without
    it, the sources are added once every vehicle is linked and prepared."""
    vehicle_niceness: int = 0
    """Added to the vehicles' servers' niceness: HQ is served first, as on machines of its own."""
    vehicle_ping: str = ""
    """The vehicles' link ping interval (``20s``); empty: their own (``actkit_core.fleetlink``)."""
    vehicle_compression: str = VEHICLE_COMPRESSION
    """The vehicles' link compression (``actkit_core.fleetlink.COMPRESSION_MODES``)."""
    shards: int = shards.DEFAULT_SHARDS
    """HQ's events streams (``setup --shards``)."""
    hq: HqCluster = field(init=False)
    vehicles: list[SimVehicle] = field(default_factory=list)
    client: Client | None = None
    api: JetStreamApi | None = None

    @property
    def poll_s(self) -> float:
        """How often to ask HQ for its streams' state while waiting on them."""
        return max(0.25, POLL_PER_VEHICLE_S * self.count)

    def __post_init__(self) -> None:
        self.hq = HqCluster.plan(self.folder / "hq", self.hq_size)
        self.hq.tls = self.hq_tls

    async def start(self) -> None:
        """HQ, its streams, every vehicle registered, linked through its proxy, and sourced."""
        await self.hq.start()
        self.client = await self.hq.connect()
        self.api = await until_jetstream(self.client)
        deadline = time.monotonic() + 30.0
        while True:  # the meta leader answers before every peer has joined: "no suitable peers"
            try:
                await provision.setup(self.api, min(3, self.hq_size), self.shards)
                break
            except FleetError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)
        leaf_ports = [("127.0.0.1", node.leaf_port) for node in self.hq.nodes]
        vehicles = light_vehicles(
            self.folder / "vehicles",
            self.count,
            niceness=self.vehicle_niceness,
            ping=self.vehicle_ping,
        )
        for index, vehicle in enumerate(vehicles):
            # Links spread over the HQ nodes; a dead node is skipped by the proxy.
            shift = index % len(leaf_ports)
            proxy = LinkProxy(leaf_ports[shift:] + leaf_ports[:shift])
            await proxy.start()
            self.vehicles.append(SimVehicle(vehicle, proxy))
        vehicle_ids = [sim.vehicle_id for sim in self.vehicles]
        seeds = await self.hq.register(self.api, vehicle_ids)
        for sim in self.vehicles:
            sim.vehicle.write(self.link(sim, seeds[sim.vehicle_id]))
        if self.is_resuming:
            self.hq.start_resumer()
        for batch in _batches(self.vehicles, START_BATCH):
            await asyncio.gather(*(sim.vehicle.start() for sim in batch))
        for batch in _batches(self.vehicles, START_BATCH):
            clients = await asyncio.gather(*(sim.vehicle.connect() for sim in batch))
            for sim, client in zip(batch, clients, strict=True):
                sim.client = client
            await asyncio.gather(
                *(sim.vehicle.prepare(client) for sim, client in zip(batch, clients, strict=True))
            )
        if self.is_resuming:
            await self.until_sourced(vehicle_ids, SOURCED_TIMEOUT_S)
        else:
            await shards.add_vehicles(self.api, vehicle_ids, "first link")

    async def until_sourced(self, vehicle_ids: Collection[str], timeout_s: float) -> None:
        """Wait until a shard sources each of these vehicles (the resumer adds them).

        Raises:
            FleetError: some were not within ``timeout_s``.
        """
        assert self.api is not None
        deadline = time.monotonic() + timeout_s
        missing = set(vehicle_ids)
        while missing:
            with contextlib.suppress(FleetError):
                missing -= set(await shards.vehicle_sources(self.api))
            if missing and time.monotonic() > deadline:
                raise FleetError(
                    f"no source for {', '.join(sorted(missing))} {timeout_s:g} s after linking"
                )
            await asyncio.sleep(self.poll_s)

    def link(self, sim: SimVehicle, seed: str) -> LeafLink:
        """A vehicle's link to HQ through its proxy (over mTLS when the fleet has it)."""
        # One remote: a light vehicle has no owners whose role HQ's commands could exceed.
        compression = self.vehicle_compression
        if self.vehicle_tls is None:
            return LeafLink(
                sim.vehicle_id,
                [sim.proxy.url],
                seed,
                command_account=None,
                compression=compression,
            )
        url = sim.proxy.url.replace("nats-leaf://", "tls://")
        tls = self.vehicle_tls(sim.vehicle_id)
        return LeafLink(
            sim.vehicle_id, [url], seed, *tls, command_account=None, compression=compression
        )

    async def restart(self, sim: SimVehicle) -> None:
        """Start a killed vehicle's server again (same port, configuration and store)."""
        await sim.vehicle.start()

    async def __aenter__(self) -> SimFleet:
        """The fleet started; closed again when its start fails."""
        try:
            await self.start()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop everything this fleet started, by PID (servers last, whatever happens before)."""
        clients = [sim.client for sim in self.vehicles if sim.client is not None]
        clients += [self.client] if self.client is not None else []
        try:
            await asyncio.wait_for(
                asyncio.gather(
                    *(client.close() for client in clients),
                    *(sim.proxy.close() for sim in self.vehicles),
                    return_exceptions=True,
                ),
                CLOSE_TIMEOUT_S,
            )
        except TimeoutError:
            pass  # a client still reconnecting to a killed server: its server is stopped below
        finally:
            for sim in self.vehicles:
                sim.vehicle.stop()
            self.hq.stop()

    async def hq_messages(self, timeout_s: float = 60.0) -> list[Msg]:
        """Every message of HQ's events shards, each vehicle's in its shard's order."""
        assert self.api is not None
        for attempt in range(1, READ_ATTEMPTS + 1):
            try:
                infos = await shards.shard_infos(self.api)
                break
            except FleetError:
                # A loaded HQ left a shard out of its list: the figures wait for the whole list.
                if attempt == READ_ATTEMPTS:
                    raise
                await asyncio.sleep(self.poll_s)
        parts = await asyncio.gather(
            *(
                self._stream_messages(name, int(info["state"]["messages"]), timeout_s)
                for name, info in infos.items()
            )
        )
        return [msg for part in parts for msg in part]

    async def _stream_messages(self, stream: str, total: int, timeout_s: float) -> list[Msg]:
        """The shard's first ``total`` messages, read again from its start when a read stalls.

        A loaded HQ left a read short after 60 s (a 200-vehicle run ended so, its figures
        lost): the last try's messages are returned, the check counts the rest as missing.
        """
        assert self.client is not None
        received: list[Msg] = []
        for attempt in range(1, READ_ATTEMPTS + 1):
            received = await self._read_stream(stream, total, timeout_s)
            if len(received) >= total:
                break
            log.warning(
                "%s: %d of %d messages read in %.0f s (try %d)",
                stream,
                len(received),
                total,
                timeout_s,
                attempt,
            )
        return received[:total]

    async def _read_stream(self, stream: str, total: int, timeout_s: float) -> list[Msg]:
        """What one ordered consumer of the shard delivers within ``timeout_s``."""
        assert self.client is not None
        if total == 0:
            return []
        js = self.client.jetstream(timeout=API_TIMEOUT_S)
        received: list[Msg] = []
        done = asyncio.Event()

        async def keep(msg: Msg) -> None:
            received.append(msg)
            if len(received) >= total:
                done.set()

        for attempt in range(1, READ_ATTEMPTS + 1):
            try:
                sub = await js.subscribe(
                    f"{VEHICLES_PREFIX}.>",
                    stream=stream,
                    cb=keep,
                    ordered_consumer=True,
                    deliver_policy=DeliverPolicy.ALL,
                )
                break
            except NatsTimeout:
                # A loaded HQ's answer to the reader's consumer came late: the run's figures
                # are not thrown away for it (a 200-vehicle run ended so).
                if attempt == READ_ATTEMPTS:
                    raise
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), timeout_s)
        finally:
            with contextlib.suppress(NatsError):
                await sub.unsubscribe()
        return list(received)

    async def hq_count(self) -> int:
        """How many events HQ holds, every vehicle's together."""
        assert self.api is not None
        infos = await shards.shard_infos(self.api)
        return sum(int(info["state"]["messages"]) for info in infos.values())

    async def wait_until_complete(self, timeout_s: float) -> float:
        """Wait until HQ holds every event each vehicle stored; the seconds it took."""
        started = time.monotonic()
        expected = sum(sim.stored for sim in self.vehicles)
        while True:
            with contextlib.suppress(FleetError):
                if await self.hq_count() >= expected:
                    return time.monotonic() - started
            if time.monotonic() - started > timeout_s:
                return -1.0
            await asyncio.sleep(self.poll_s)


def _batches(items: Sequence[SimVehicle], size: int) -> list[Sequence[SimVehicle]]:
    return [items[start : start + size] for start in range(0, len(items), size)]
