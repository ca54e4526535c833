"""The simulation's timeline: vehicles play input changes; links are cut, servers killed.

::

    start ─ calm ─ kill -9 an HQ node (for good) ─ every source active again ─ calm ─┐
        ┌─ cut a quarter of the links ───────────────── restore ─ calm ─ stop ─ drain
        │   kill -9 five of the cut vehicles' servers, start them again
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from nats.errors import Error as NatsError

from actkit_fleet import shards
from actkit_fleet.jetstream import FleetError
from actkit_fleet.shards import DEFAULT_SHARDS
from actkit_fleet.sim.fleet import VEHICLE_COMPRESSION, SimFleet, SimVehicle
from actkit_fleet.sim.usage import CpuWindow, cpu_s
from actkit_proto.io import Circuit, Direction, PortChanged

INPUT_PORTS = (1, 2, 3, 4, 5, 6, 7, 8)


@dataclass(frozen=True)
class Plan:
    """The timeline, in seconds, and the size of each disturbance."""

    vehicles: int = 200
    rate_hz: float = 0.5
    """Input changes per vehicle per second (lightbar, doors, siren … on a busy shift)."""
    calm_s: float = 15.0
    cut_s: float = 30.0
    cut_share: float = 0.25
    killed_vehicles: int = 5
    kill_after_s: float = 5.0
    restart_after_s: float = 10.0
    kill_hq_after_s: float = 3.0
    shards: int = DEFAULT_SHARDS
    """HQ's events streams the vehicles are spread over (``setup --shards``)."""
    vehicle_niceness: int = 0
    """Added to the vehicles' servers' niceness (HQ's nodes and the simulator stay as started):
    on one machine, HQ is served first, as on machines of its own and each vehicle on a board."""
    vehicle_ping: str = ""
    """The vehicles' link ping interval, a nats-server duration (``20s``); empty: the vehicle's
    own (``actkit_core.fleetlink``: every 5 s, 2 unanswered drop the link)."""
    vehicle_compression: str = VEHICLE_COMPRESSION
    """The vehicles' link compression (``off``: on loopback S2 saves nothing and costs CPU)."""
    is_hq_killed_in_cut: bool = False
    """Kill the HQ node during the cut (``kill_hq_after_s`` into it) rather than halfway
    through the calm before it. In the cut, the new leaders of its streams set the sources of
    the cut vehicles up while they are unreachable: those resume when the retry comes round."""
    drain_timeout_s: float = 120.0
    recover_timeout_s: float = 120.0
    """How long the cut waits for HQ to have every source active again after the kill."""
    seed: int = 26


@dataclass
class Timeline:
    """When things happened (wall clock, seconds) and what the simulation measured meanwhile."""

    started_s: float = 0.0
    cut_s: float = 0.0
    restored_s: float = 0.0
    stopped_s: float = 0.0
    drained_s: float = -1.0
    cut_ids: list[str] = field(default_factory=list)
    killed_ids: list[str] = field(default_factory=list)
    killed_hq: str = ""
    hq_killed_s: float = 0.0
    hq_recovered_s: float = -1.0
    """When every vehicle's source at HQ was active again after the kill (-1: not)."""
    killed_hq_leads: int = 0
    """How many vehicles' events shards the killed node led (-1: HQ did not list them)."""
    hq_cores: float = 0.0
    vehicle_cores: float = 0.0
    """Average of one light vehicle's nats-server, over the ones never killed."""
    driver_cores: float = 0.0
    """This process: every vehicle's publisher, every proxy, HQ's reader."""
    given_up: int = 0
    """Events the vehicles' own JetStream did not take within a minute (not stored)."""


def _port_changed(port_id: int, is_active: bool) -> PortChanged:
    return PortChanged(
        port_id=port_id,
        direction=Direction.INPUT,
        is_active=is_active,
        circuit=Circuit.CLOSED if is_active else Circuit.OPEN,
        edge_ns=time.monotonic_ns(),
    )


async def _first_event(sim: SimVehicle) -> None:
    event = _port_changed(INPUT_PORTS[0], is_active=False)
    await sim.publish(event.to_subject(), event.to_wire())


async def play(sim: SimVehicle, rate_hz: float, until: asyncio.Event, rng: random.Random) -> None:
    """Publish input changes at random (Poisson) times until ``until`` is set."""
    active = dict.fromkeys(INPUT_PORTS, False)
    while not until.is_set():
        await asyncio.sleep(rng.expovariate(rate_hz))
        port_id = rng.choice(INPUT_PORTS)
        active[port_id] = not active[port_id]
        event = _port_changed(port_id, active[port_id])
        try:
            await sim.publish(event.to_subject(), event.to_wire())
        except (NatsError, ConnectionError):
            # Its server did not take it for a minute (a machine this loaded): the next event
            # reuses the number, so HQ still expects 1..stored.
            sim.given_up += 1


SOURCE_ACTIVE_NS = 3_000_000_000
"""A source heard from within this is running (its consumer's idle heartbeat is every second)."""


async def _sources_active(fleet: SimFleet, timeout_s: float) -> bool:
    """Wait until every vehicle's source at HQ is running; whether they all were in time."""
    assert fleet.api is not None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(FleetError):
            sources = [where.state for where in (await shards.vehicle_sources(fleet.api)).values()]
            if len(sources) == len(fleet.vehicles) and all(
                not source.get("error") and 0 <= int(source.get("active", -1)) < SOURCE_ACTIVE_NS
                for source in sources
            ):
                return True
        await asyncio.sleep(fleet.poll_s)
    return False


async def run(fleet: SimFleet, plan: Plan) -> Timeline:
    """Play the plan on a started fleet; the timeline and CPU use measured."""
    rng = random.Random(plan.seed)
    # Every vehicle's first event at HQ: each source is running before the clock starts.
    await asyncio.gather(*(_first_event(sim) for sim in fleet.vehicles))
    await fleet.wait_until_complete(plan.drain_timeout_s)
    timeline = Timeline(started_s=time.time())
    stop = asyncio.Event()
    players = [
        asyncio.create_task(play(sim, plan.rate_hz, stop, random.Random(rng.random())))
        for sim in fleet.vehicles
    ]
    cut = rng.sample(fleet.vehicles, max(1, round(len(fleet.vehicles) * plan.cut_share)))
    killed = cut[: min(plan.killed_vehicles, len(cut))]
    timeline.cut_ids = [sim.vehicle_id for sim in cut]
    timeline.killed_ids = [sim.vehicle_id for sim in killed]
    steady = [sim.vehicle.pid for sim in fleet.vehicles if sim not in killed]
    hq_pids = fleet.hq.pids()
    hq_window = CpuWindow(hq_pids + fleet.hq.helper_pids())
    vehicle_window = CpuWindow(steady)
    now = time.time()
    hq_window.begin(now)
    vehicle_window.begin(now)
    driver_start = cpu_s(os.getpid())

    last_hq_cpu: dict[int, float] = {}

    async def kill_hq() -> None:
        # The node leading the shards of the most vehicles: their sources move with it.
        assert fleet.api is not None
        try:
            placed = await shards.vehicle_sources(fleet.api)
        except FleetError:
            placed = {}  # HQ too busy to list them: the first node dies, its share unknown
        leaders = Counter(where.leader for where in placed.values())
        timeline.killed_hq, timeline.killed_hq_leads = max(
            ((name, leaders[name] if placed else -1) for name in fleet.hq.servers),
            key=lambda pair: pair[1],
        )
        last_hq_cpu.update({pid: cpu_s(pid) for pid in hq_pids})
        fleet.hq.kill(timeline.killed_hq)
        timeline.hq_killed_s = time.time()

    if plan.is_hq_killed_in_cut:
        await asyncio.sleep(plan.calm_s)
    else:
        await asyncio.sleep(plan.calm_s / 2)
        await kill_hq()
        # The cut waits for the new leaders to have every source running again: cut while
        # they set them up, a vehicle's source fails into its retry back-off and resumes when
        # that comes round, not when the link returns.
        if await _sources_active(fleet, plan.recover_timeout_s):
            timeline.hq_recovered_s = time.time()
        await asyncio.sleep(plan.calm_s / 2)
    timeline.cut_s = time.time()
    for sim in cut:
        sim.proxy.cut()

    async def kill_vehicles() -> None:
        for sim in killed:
            sim.vehicle.kill()

    async def restart_vehicles() -> None:
        await asyncio.gather(*(fleet.restart(sim) for sim in killed))

    steps = [(plan.kill_after_s, kill_vehicles), (plan.restart_after_s, restart_vehicles)]
    if plan.is_hq_killed_in_cut:
        steps = sorted([*steps, (plan.kill_hq_after_s, kill_hq)], key=lambda step: step[0])
    for after_s, step in steps:
        await asyncio.sleep(max(0.0, timeline.cut_s + after_s - time.time()))
        await step()
    await asyncio.sleep(max(0.0, timeline.cut_s + plan.cut_s - time.time()))
    for sim in cut:
        sim.proxy.restore()
    timeline.restored_s = time.time()
    await asyncio.sleep(plan.calm_s)
    stop.set()
    await asyncio.gather(*players)
    timeline.stopped_s = time.time()
    timeline.given_up = sum(sim.given_up for sim in fleet.vehicles)
    now = time.time()
    timeline.hq_cores = hq_window.end(now, last_hq_cpu)
    timeline.vehicle_cores = vehicle_window.end(now) / max(len(steady), 1)
    timeline.driver_cores = (cpu_s(os.getpid()) - driver_start) / (now - timeline.started_s)
    timeline.drained_s = await fleet.wait_until_complete(plan.drain_timeout_s)
    return timeline
