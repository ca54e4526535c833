"""The flood path: input edges at a steady rate or back to back, and how the output keeps up.

Each run drives one input (even edges close it, odd ones open it) while a rule mirrors it onto
an output, in two parts of ``seconds`` each:

- the load: edges without a break; drained is the time from its last edge until the output last
  changed, to that edge's state (and stayed so for ``QUIET_S``): what a queue that replays old
  edges would take to empty. It is 0 when the output already showed that state and had nothing
  left to do (the engine skipped a drop and rise it was behind on).
- the probes: the same rate in stretches of ``PROBE_EVERY_S``, each followed by a pause until the
  output shows the stretch's last edge's state and is quiet. That edge met the load the stretch
  built, so its delay (to the output's last change) is one edge -> output sample. Edges are not
  matched to output changes one by one: an output that follows the newest state skips edges,
  and one that replays a queue shows the same states late, so which edge a change shows cannot
  be told from the state alone; the pause tells it.

Each probe's delay is also split where it sits: ``taken`` is from the drive to the moment io's
simulator took the edge (the input event's ``edge_ns``: the drive waited among io's requests),
``told`` to the moment the bench heard that input event; the rest is the events service and the
command to io. The clocks compare: ``perf_counter_ns`` and io's ``monotonic_ns`` are both the
host's monotonic clock.

Coalesced is what the events service merged meanwhile (its ``outcome="coalesced"`` messages).
Lost counts input events io did not publish (one per edge) and a final output state that is not
the input's. CPU ms per edge is what io, the events service and nats-server spent (user + system)
over the whole run, divided by its edges: a figure the machine's other load disturbs less.
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import psutil
from nats.aio.msg import Msg

from actkit_core.bus import Bus
from actkit_proto.io import Circuit, DriveInput, GetPort, PortChanged
from bench.paths import settle
from bench.stats import Latency, LostEvents

COALESCED_SAMPLE = 'actkit_bus_messages_total{outcome="coalesced",service="events"'
PROBE_EVERY_S = 0.25
QUIET_S = 0.05
CATCH_UP_TIMEOUT_S = 60.0
IN_FLIGHT = 100


@dataclass
class FloodRun:
    """What one run of the flood measured."""

    label: str
    edges: int = 0
    driving_s: float = 0.0
    latency: Latency = field(default_factory=lambda: Latency("flood"))
    taken: Latency = field(default_factory=lambda: Latency("taken"))
    told: Latency = field(default_factory=lambda: Latency("told"))
    cpu_ms_per_edge: dict[str, float] = field(default_factory=dict)
    drained_ms: float = 0.0
    coalesced: int = 0
    lost: int = 0
    output_changes: int = 0

    def summary(self, floor: dict[str, float]) -> dict[str, Any]:
        """The figures, each latency also as a ratio to the bus floor's same percentile."""
        latency = self.latency.summary()
        return {
            "edges": self.edges,
            "edges_per_s": round(self.edges / self.driving_s),
            "p50_ms": latency["p50"],
            "p99_ms": latency["p99"],
            "max_ms": latency["max"],
            "probes": latency["n"],
            "taken_p99_ms": self.taken.summary()["p99"],
            "told_p99_ms": self.told.summary()["p99"],
            "drained_ms": round(self.drained_ms, 3),
            "output_changes": self.output_changes,
            "coalesced": self.coalesced,
            "lost": self.lost,
            "cpu_ms_per_edge": self.cpu_ms_per_edge,
            "ratio": {
                "p50": round(latency["p50"] / floor["p50"], 1),
                "p99": round(latency["p99"] / floor["p99"], 1),
                "drained": round(self.drained_ms / floor["p99"], 1),
            },
        }


class Flood:
    """Drives the input and watches both ports."""

    def __init__(self, bus: Bus, input_id: int, output_id: int, start_closed: bool) -> None:
        self.bus = bus
        self.input_id = input_id
        self.output_id = output_id
        self.start_closed = start_closed
        self.driven = 0
        self.driving_ns = 0
        self.inputs: list[bool] = []
        self.newest_input = (0, 0)
        """When the bench heard the newest input event, and its ``edge_ns``."""
        self.outputs: list[tuple[int, bool]] = []

    async def output_changed(self, msg: Msg) -> None:
        is_active = PortChanged.from_wire(msg.subject, msg.data).is_active
        self.outputs.append((time.perf_counter_ns(), is_active))

    async def input_changed(self, msg: Msg) -> None:
        event = PortChanged.from_wire(msg.subject, msg.data)
        self.inputs.append(event.is_active)
        self.newest_input = (time.perf_counter_ns(), event.edge_ns)

    async def drive(self, rate: int | None, seconds: float) -> int:
        """Edges at ``rate``/s (None: back to back) for ``seconds``; when the last was driven.

        At a rate, an edge does not wait for io's answer to the one before (up to
        ``IN_FLIGHT`` unanswered): the load is the rate, not what one requester's round trips
        allow. Back to back, each waits for the answer to the one before.
        """
        started = time.perf_counter_ns()
        deadline = started + int(seconds * 1e9)
        sent = 0
        last = started
        in_flight: set[asyncio.Future[object]] = set()
        while True:
            if rate:
                wait_ns = started + sent * 1_000_000_000 // rate - time.perf_counter_ns()
                if wait_ns > 0:
                    await asyncio.sleep(wait_ns / 1e9)
            if time.perf_counter_ns() >= deadline and sent:
                break
            is_closed = (self.driven % 2 == 0) == self.start_closed
            circuit = Circuit.CLOSED if is_closed else Circuit.OPEN
            last = time.perf_counter_ns()
            request = self.bus.request(DriveInput(port_id=self.input_id, circuit=circuit))
            if rate:
                in_flight.add(asyncio.ensure_future(request))
                if len(in_flight) >= IN_FLIGHT:
                    done, in_flight = await asyncio.wait(
                        in_flight, return_when=asyncio.FIRST_COMPLETED
                    )
                    for answered in done:
                        answered.result()
            else:
                await request
            self.driven += 1
            sent += 1
        for answered in asyncio.as_completed(in_flight):
            await answered
        self.driving_ns += last - started
        return last

    async def caught_up(self, last_edge_ns: int) -> float:
        """Milliseconds from the last edge to the output's last change, once caught up.

        Caught up: the output shows the input's state and has been quiet for ``QUIET_S``.

        Raises:
            LostEvents: not within ``CATCH_UP_TIMEOUT_S``.
        """
        deadline = time.monotonic() + CATCH_UP_TIMEOUT_S
        while time.monotonic() < deadline:
            await asyncio.sleep(0.002)
            if len(self.inputs) < self.driven or not self.outputs:
                continue
            changed_ns, is_active = self.outputs[-1]
            quiet_s = (time.perf_counter_ns() - max(changed_ns, last_edge_ns)) / 1e9
            if is_active == self.inputs[-1] and quiet_s >= QUIET_S:
                return max(0, changed_ns - last_edge_ns) / 1e6
        raise LostEvents(
            f"the output did not follow input {self.input_id} within {CATCH_UP_TIMEOUT_S:.0f} s "
            f"({len(self.inputs)} of {self.driven} input events seen)"
        )


def cpu_s(process: psutil.Process) -> float:
    """The CPU time a process has spent so far, user + system, in seconds."""
    times = process.cpu_times()
    return float(times.user + times.system)


def coalesced_so_far(metrics_port: int) -> int:
    """The events service's coalesced message count, read from its /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    return sum(
        int(float(line.rsplit(" ", 1)[1]))
        for line in text.splitlines()
        if line.startswith(COALESCED_SAMPLE)
    )


async def flood(
    bus: Bus,
    input_id: int,
    output_id: int,
    rate: int | None,
    seconds: float,
    metrics_port: int,
    busy: Mapping[str, psutil.Process],
) -> FloodRun:
    """Drive ``input_id`` at ``rate`` edges/s (None: back to back): the load, then the probes.

    ``busy``: the processes whose CPU time per edge the run reports, by name.
    """
    run = FloodRun(f"{rate}/s" if rate else "back to back")
    cpu_before = {name: cpu_s(process) for name, process in busy.items()}
    await settle(bus)
    start_closed = (await bus.request(GetPort(port_id=input_id))).circuit is not Circuit.CLOSED
    watched = Flood(bus, input_id, output_id, start_closed)
    watching = [
        await bus.client.subscribe(PortChanged.subject_pattern(port_id=str(port)), cb=callback)
        for port, callback in (
            (output_id, watched.output_changed),
            (input_id, watched.input_changed),
        )
    ]
    await bus.client.flush()
    coalesced_before = coalesced_so_far(metrics_port)
    run.drained_ms = await watched.caught_up(await watched.drive(rate, seconds))
    probed_s = 0.0
    while probed_s < seconds:
        last_edge_ns = await watched.drive(rate, PROBE_EVERY_S)
        run.latency.add_ns(int(1e6 * await watched.caught_up(last_edge_ns)))
        heard_ns, edge_ns = watched.newest_input
        run.taken.add_ns(max(0, edge_ns - last_edge_ns))
        run.told.add_ns(max(0, heard_ns - last_edge_ns))
        probed_s += PROBE_EVERY_S
    await settle(bus)
    for subscription in watching:
        await subscription.unsubscribe()
    run.edges = watched.driven
    run.driving_s = watched.driving_ns / 1e9
    run.coalesced = coalesced_so_far(metrics_port) - coalesced_before
    run.output_changes = len(watched.outputs)
    final_input = (await bus.request(GetPort(port_id=input_id))).is_active
    final_output = (await bus.request(GetPort(port_id=output_id))).is_active
    run.lost = int(final_input != final_output) + max(0, run.edges - len(watched.inputs))
    run.cpu_ms_per_edge = {
        name: round(1000 * (cpu_s(process) - cpu_before[name]) / max(run.edges, 1), 3)
        for name, process in busy.items()
    }
    return run


def print_runs(results: dict[str, Any], input_id: int, output_id: int, seconds: float) -> None:
    """The flood table, then where each run's slowest probes waited."""
    floor_ms = results["bus_floor_ms"]
    print(
        f"flood, input {input_id} -> output {output_id}, "
        f"{seconds:g} s each (ratio: to the bus request/reply p50 {floor_ms['p50']} ms "
        f"and p99 {floor_ms['p99']} ms of this run):"
    )
    print(
        f"{'run':<14}{'edges/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'probes':>7}"
        f"{'drained ms':>11}{'changes':>8}{'coalesced':>10}{'lost':>5}  ratio p50/p99/drained"
    )
    for label, run in results["flood"].items():
        ratios = run["ratio"]
        print(
            f"{label:<14}{run['edges_per_s']:>8}{run['p50_ms']:>9}{run['p99_ms']:>9}"
            f"{run['max_ms']:>9}{run['probes']:>7}{run['drained_ms']:>11}{run['output_changes']:>8}"
            f"{run['coalesced']:>10}{run['lost']:>5}  "
            f"{ratios['p50']}x / {ratios['p99']}x / {ratios['drained']}x"
        )
    print("where each run's slowest probes waited, p99 ms from the drive (see bench/flood.py):")
    for label, run in results["flood"].items():
        print(
            f"  {label:<14} io took the edge {run['taken_p99_ms']}, the bench heard its input "
            f"event {run['told_p99_ms']}, the output {run['p99_ms']}; CPU ms per edge "
            f"{run['cpu_ms_per_edge']}"
        )
