"""``python -m actkit_fleet.sim.accountprobe``: how fast HQ sets up links that return together.

When 50 of 200 vehicles' links return at once in ``make fleet-sim``, each vehicle's JetStream
answers from HQ only 0.6 to 0.9 s after its link's connect event (``fleet/README.md``), and
nats-server sets each link up under locks of the account it binds to. This times such a storm
with light vehicles (a leaf nats-server each, at niceness +10, three HQ nodes, a proxy a link)
bound either to HQ's one fleet account (``shared``, as the fleet is) or each to an account of
its own that lends the fleet account its JetStream API (``own``: an export of ``$JS.<id>.API.>``
the fleet account imports); and, in the shared layout, with what the fleet adds one thing at a
time: HQ's shards sourcing every vehicle (``--sourced``), each vehicle sourcing its share of
HQ's command queue (``--commands``), events played (``--rate``). From the proxies' accepting
again, each relinked vehicle's ``$JS.<id>.API.INFO`` is asked through every HQ node every 50 ms
until answered. ``fleet/README.md`` has the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nats
from nats.aio.client import Client
from nats.errors import Error as NatsError

from actkit_core.fleetstreams import uplink, vehicle_commands, vehicle_events
from actkit_core.natsserver import NatsServer
from actkit_fleet import provision, shards, stalled
from actkit_fleet.jetstream import FleetError, JetStreamApi, downlink
from actkit_fleet.sim.accountconf import (
    CAR_USER,
    HQ_NODES,
    HQ_USER,
    LAYOUTS,
    Storm,
    hq_conf,
    vehicle_conf,
)
from actkit_fleet.sim.cluster import VEHICLE_GO_ENV, free_ports, new_password, until_jetstream
from actkit_fleet.sim.proxy import LinkProxy
from actkit_proto.fleet import HQ_COMMANDS, VEHICLE_EVENTS

VEHICLE_NICENESS = 10
ASK_EVERY_S = 0.05
ASK_TIMEOUT_S = 0.5
LINKED_WITHIN_S = 120.0
SOURCES_WITHIN_S = 60.0
JETSTREAM_WITHIN_S = 60.0
GIVE_UP_S = 20.0
BETWEEN_ROUNDS_S = 3.0
STARTED_AT_ONCE = 20
PLAYED_SUBJECT = "io.port.1.changed"


@dataclass(frozen=True)
class Round:
    """One cut and return: when a node first answered for each relinked vehicle, and every node."""

    relinked: int
    first_s: list[float]
    every_s: list[float]
    answered_while_cut: int
    """Relinked vehicles HQ still reached just before the return (0 when the cut holds)."""
    sources_running: int | None
    """Vehicles whose source HQ's shards had heard from lately before the cut (None: no shards)."""


async def _answers(client: Client, vehicle_id: str) -> bool:
    with contextlib.suppress(NatsError, TimeoutError):
        await client.request(f"$JS.{vehicle_id}.API.INFO", b"", timeout=ASK_TIMEOUT_S)
        return True
    return False


async def _until_answered(
    clients: Sequence[Client], vehicles: Sequence[str], since: float, give_up_s: float
) -> dict[str, list[float]]:
    """For each vehicle, when each node first answered for it (s after ``since``)."""
    answered: dict[str, list[float]] = {vid: [] for vid in vehicles}
    pending = {(vid, index) for vid in vehicles for index in range(len(clients))}
    in_flight: set[tuple[str, int]] = set()
    tasks: set[asyncio.Task[None]] = set()

    async def ask(vid: str, index: int) -> None:
        try:
            if await _answers(clients[index], vid) and (vid, index) in pending:
                answered[vid].append(time.monotonic() - since)
                pending.discard((vid, index))
        finally:
            in_flight.discard((vid, index))

    while pending and time.monotonic() - since < give_up_s:
        for vid, index in sorted(pending - in_flight):
            in_flight.add((vid, index))
            task = asyncio.create_task(ask(vid, index))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.sleep(ASK_EVERY_S)
    await asyncio.gather(*tasks)
    return answered


async def _play(car: Client, rate: float, phase: float) -> None:
    """Events on one vehicle, ``rate`` a second, from ``phase`` of a period on."""
    await asyncio.sleep(phase / rate)
    for index in itertools.count():
        with contextlib.suppress(NatsError):
            await car.publish(PLAYED_SUBJECT, b'{"is_active": %d}' % (index % 2))
        await asyncio.sleep(1 / rate)


@dataclass
class _Fleet:
    """The servers, proxies and clients of one probe, stopped by :meth:`close`."""

    storm: Storm
    folder: Path
    ids: list[str] = field(init=False)
    passwords: dict[str, str] = field(init=False)
    """HQ's user's and each vehicle's (used both at HQ and for its own clients)."""
    servers: list[NatsServer] = field(default_factory=list)
    proxies: list[LinkProxy] = field(default_factory=list)
    hq: list[Client] = field(default_factory=list)
    cars: list[Client] = field(default_factory=list)
    players: list[asyncio.Task[None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ids = [f"v{number:04d}" for number in range(1, self.storm.vehicles + 1)]
        self.passwords = {user: new_password() for user in [HQ_USER, *self.ids]}

    async def start(self) -> None:
        """HQ, then the vehicles through their proxies; every vehicle answering from HQ."""
        ports = free_ports(3 * HQ_NODES)
        for node in range(HQ_NODES):
            config = self.folder / f"hq{node + 1}.conf"
            config.write_text(
                hq_conf(
                    node,
                    ports,
                    self.passwords,
                    self.storm.layout,
                    is_restricted=self.storm.is_restricted,
                )
            )
            self.servers.append(
                NatsServer(self.folder / f"hq{node + 1}", ports[node], config=config)
            )
        await asyncio.gather(*(server.start_async(30.0) for server in self.servers))
        leaf = [("127.0.0.1", port) for port in ports[2 * HQ_NODES :]]
        vehicles = []
        for number, (vid, port) in enumerate(zip(self.ids, free_ports(len(self.ids)), strict=True)):
            shift = number % HQ_NODES
            proxy = LinkProxy(leaf[shift:] + leaf[:shift])
            await proxy.start()
            self.proxies.append(proxy)
            config = self.folder / f"{vid}.conf"
            config.write_text(vehicle_conf(vid, self.passwords[vid], proxy.port))
            vehicles.append(
                NatsServer(
                    self.folder / vid,
                    port,
                    config=config,
                    env=VEHICLE_GO_ENV,
                    niceness=VEHICLE_NICENESS,
                )
            )
        self.servers += vehicles
        for start in range(0, len(vehicles), STARTED_AT_ONCE):
            batch = vehicles[start : start + STARTED_AT_ONCE]
            await asyncio.gather(*(server.start_async(30.0) for server in batch))
        for port in ports[:HQ_NODES]:
            self.hq.append(
                await nats.connect(
                    f"nats://127.0.0.1:{port}", user=HQ_USER, password=self.passwords[HQ_USER]
                )
            )
        linked = await _until_answered(self.hq[:1], self.ids, time.monotonic(), LINKED_WITHIN_S)
        silent = [vid for vid, times in linked.items() if not times]
        if silent:
            raise RuntimeError(f"{len(silent)} vehicles never answered from HQ: {silent[:5]}")
        for vid, server in zip(self.ids, vehicles, strict=True):
            self.cars.append(
                await nats.connect(server.url, user=CAR_USER, password=self.passwords[vid])
            )

    async def source(self) -> None:
        """HQ's shards source every vehicle's events; each vehicle its share of the commands."""
        hq = await until_jetstream(self.hq[0], JETSTREAM_WITHIN_S, ASK_TIMEOUT_S)
        await provision.setup(hq, HQ_NODES)
        count = self.storm.command_replicas
        replicas = {} if count is None else {"num_replicas": count}
        for vid, car in zip(self.ids, self.cars, strict=True):
            vehicle = JetStreamApi(car)
            await vehicle.ensure_stream(vehicle_events())
            await vehicle.ensure_consumer(VEHICLE_EVENTS, uplink(vid))
            if self.storm.has_commands:
                await hq.ensure_consumer(HQ_COMMANDS, {**downlink(vid), **replicas})
                await vehicle.ensure_stream(vehicle_commands(vid))
        await shards.add_vehicles(hq, self.ids, "the probe")

    def play(self) -> None:
        """Every vehicle's events, their periods spread over a period."""
        for number, car in enumerate(self.cars):
            phase = (number % STARTED_AT_ONCE) / STARTED_AT_ONCE
            self.players.append(asyncio.create_task(_play(car, self.storm.rate, phase)))

    async def sources_running(self) -> int | None:
        """How many vehicles' sources the shards heard from lately (None: not sourced)."""
        if not self.storm.is_sourced:
            return None
        sources = await shards.vehicle_sources(JetStreamApi(self.hq[0], timeout_s=15.0))
        return sum(not stalled.is_stalled(where.state) for where in sources.values())

    async def until_sources_run(self) -> None:
        """Wait until HQ heard from every vehicle's source, :data:`SOURCES_WITHIN_S` at most.

        A shard without a leader yet (a node just killed) does not say: asked again.
        """
        deadline = time.monotonic() + SOURCES_WITHIN_S
        while time.monotonic() < deadline:
            with contextlib.suppress(FleetError):
                if await self.sources_running() == len(self.ids):
                    return
            await asyncio.sleep(ASK_EVERY_S * 10)

    async def kill_node(self) -> None:
        """SIGKILL HQ's last node; its links move to the others, its shards' leaders too."""
        client = self.hq.pop()
        with contextlib.suppress(NatsError):
            await client.close()
        node = self.servers[HQ_NODES - 1]
        assert node.process is not None
        node.process.kill()
        node.process.wait()
        relinked = await _until_answered(self.hq, self.ids, time.monotonic(), LINKED_WITHIN_S)
        silent = [vid for vid, times in relinked.items() if len(times) < len(self.hq)]
        if silent:
            raise RuntimeError(f"{len(silent)} vehicles never answered again: {silent[:5]}")
        await self.until_sources_run()

    async def storm_round(self, cut: Sequence[str]) -> Round:
        """Cut the links of ``cut``, restore them together, time HQ's answers for them."""
        running = await self.sources_running()
        proxies = [self.proxies[self.ids.index(vid)] for vid in cut]
        for proxy in proxies:
            proxy.cut()
        await asyncio.sleep(self.storm.cut_s)
        reached = await asyncio.gather(*(_answers(self.hq[0], vid) for vid in cut))
        restored = time.monotonic()
        for proxy in proxies:
            proxy.restore()
        answered = await _until_answered(self.hq, cut, restored, GIVE_UP_S)
        return Round(
            relinked=len(cut),
            first_s=[min(times) for times in answered.values() if times],
            every_s=[max(times) for times in answered.values() if len(times) == len(self.hq)],
            answered_while_cut=sum(reached),
            sources_running=running,
        )

    async def close(self) -> None:
        """Stop everything this probe started (servers by their PIDs)."""
        for task in self.players:
            task.cancel()
        await asyncio.gather(*self.players, return_exceptions=True)
        for client in self.hq + self.cars:
            with contextlib.suppress(NatsError):
                await client.close()
        for proxy in self.proxies:
            await proxy.close()
        for server in reversed(self.servers):
            server.stop()


async def probe(folder: Path, storm: Storm) -> list[Round]:
    """Start the fleet in ``folder``, then cut and restore ``storm.relinking`` links a round."""
    fleet = _Fleet(storm, folder)
    try:
        await fleet.start()
        if storm.is_sourced:
            await fleet.source()
        if storm.rate:
            fleet.play()
        if storm.is_sourced:
            await fleet.until_sources_run()
            if storm.is_node_down:
                await fleet.kill_node()
            await asyncio.sleep(storm.settle_s)
        rounds: list[Round] = []
        for number in range(storm.rounds):
            cut = fleet.ids[number * storm.relinking : (number + 1) * storm.relinking]
            if rounds:
                await asyncio.sleep(BETWEEN_ROUNDS_S)
            rounds.append(await fleet.storm_round(cut))
        return rounds
    finally:
        await fleet.close()


def _running(count: int | None, vehicles: int) -> str:
    return "" if count is None else f"; {count} of {vehicles} sources running before the cut"


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} / {max(values):.3f} s" if values else "none"


def main(argv: list[str] | None = None) -> int:
    """Time the storm in each layout asked for; 1 if a cut did not hold or a node did not answer."""
    parser = argparse.ArgumentParser(prog="accountprobe", description=__doc__)
    parser.add_argument("--layout", choices=LAYOUTS, action="append")
    parser.add_argument("--vehicles", type=int, default=Storm.vehicles)
    parser.add_argument("--relinking", type=int, default=Storm.relinking)
    parser.add_argument("--rounds", type=int, default=Storm.rounds)
    parser.add_argument("--sourced", action="store_true", help="HQ's shards source every vehicle")
    parser.add_argument("--commands", action="store_true", help="each vehicle sources HQ's queue")
    parser.add_argument(
        "--permissions", action="store_true", help="the fleet's permissions on each vehicle"
    )
    parser.add_argument("--node-down", action="store_true", help="one HQ node killed first")
    parser.add_argument("--rate", type=float, default=0.0, help="events a vehicle plays a second")
    parser.add_argument("--command-replicas", type=int, help="the queue's consumers' replicas")
    args = parser.parse_args(argv)
    is_whole = True
    for layout in args.layout or list(LAYOUTS):
        try:
            storm = Storm(
                layout,
                vehicles=args.vehicles,
                relinking=args.relinking,
                rounds=args.rounds,
                is_sourced=args.sourced,
                has_commands=args.commands,
                is_restricted=args.permissions,
                is_node_down=args.node_down,
                rate=args.rate,
                command_replicas=args.command_replicas,
            )
        except ValueError as exc:
            parser.error(str(exc))
        with tempfile.TemporaryDirectory(prefix="account-probe-") as folder:
            rounds = asyncio.run(probe(Path(folder), storm))
        for number, result in enumerate(rounds, start=1):
            missed = result.relinked - len(result.every_s)
            is_whole = is_whole and not missed and not result.answered_while_cut
            sys.stdout.write(
                f"{layout} round {number}: {result.relinked} relinked, answered by a node "
                f"{_spread(result.first_s)} (median / largest), by every node "
                f"{_spread(result.every_s)}; {missed} not by every node within {GIVE_UP_S:.0f} s"
                f"; {result.answered_while_cut} answered while cut"
                f"{_running(result.sources_running, storm.vehicles)}\n"
            )
    return 0 if is_whole else 1


if __name__ == "__main__":
    sys.exit(main())
