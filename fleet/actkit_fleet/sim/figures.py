"""The simulation's figures, from what HQ stored and the timeline; printed as one table."""

from __future__ import annotations

import math
import os
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from actkit_fleet.leafconf import PING_INTERVAL
from actkit_fleet.sim.check import Arrival, VehicleResult
from actkit_fleet.sim.scenario import Plan, Timeline

SETTLE_S = 10.0
"""After the links return, the time left out of "while connected" (the backlog drains)."""
LOSSES_SHOWN = 5
"""How many vehicles, and events of each, a loss names."""
SLOWEST_SHOWN = 3
"""How many of the cut vehicles slowest to resume the table names."""


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` 0.5 = median); NaN without values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Figures:
    """Everything ``make fleet-sim`` prints."""

    vehicles: int
    stored: int
    received: int
    lost: int
    duplicated: int
    out_of_order: int
    resume_s: list[float]
    resume_restarted_s: list[float]
    """Of the vehicles whose server was also killed and started again during the cut."""
    failover_s: list[float]
    """From the HQ node's kill to each uncut vehicle's next event at HQ."""
    caught_up_s: list[float]
    latency_ms: list[float]
    ingest_per_s: float
    peak_ingest_per_s: int
    hq_pss_mib: list[float]
    vehicle_pss_mib: list[float]
    driver_pss_mib: float
    lost_seqs: dict[str, list[int]] = field(default_factory=dict)
    """The events each vehicle lost, by their number."""
    slowest: list[tuple[str, float]] = field(default_factory=list)
    """The cut vehicles slowest to resume, slowest first, each with its resume (s)."""

    @property
    def is_whole(self) -> bool:
        """Nothing lost, nothing twice, everything in order, everything arrived."""
        return (
            self.lost == 0
            and self.duplicated == 0
            and self.out_of_order == 0
            and self.received == self.stored
        )


def _calm(timeline: Timeline, ns: int) -> bool:
    """Whether sent while every link was up and HQ whole.

    That is before the HQ node's kill and the cut, or once the links had been back a while.
    """
    seconds = ns / 1e9
    first_trouble = min(timeline.cut_s, timeline.hq_killed_s or timeline.cut_s)
    return timeline.started_s <= seconds < first_trouble or (
        timeline.restored_s + SETTLE_S <= seconds < timeline.stopped_s
    )


def compute(
    arrivals: Sequence[Arrival],
    results: dict[str, VehicleResult],
    timeline: Timeline,
    memory: tuple[list[float], list[float], float],
) -> Figures:
    """The figures of one run; ``memory``: PSS of HQ's nodes, of each vehicle, of this process."""
    restored_ns = timeline.restored_s * 1e9
    resume: list[float] = []
    resume_restarted: list[float] = []
    each: dict[str, float] = {}
    caught_up: list[float] = []
    for vehicle_id in timeline.cut_ids:
        mine = [a for a in arrivals if a.vehicle_id == vehicle_id]
        after = [a.stored_ns for a in mine if a.stored_ns >= restored_ns]
        backlog = [a.stored_ns for a in mine if a.sent_ns < restored_ns]
        if after:
            chosen = resume_restarted if vehicle_id in timeline.killed_ids else resume
            each[vehicle_id] = (min(after) - restored_ns) / 1e9
            chosen.append(each[vehicle_id])
        if backlog:
            caught_up.append(max(0.0, (max(backlog) - restored_ns) / 1e9))
    latency = [(a.stored_ns - a.sent_ns) / 1e6 for a in arrivals if _calm(timeline, a.sent_ns)]
    killed_ns = timeline.hq_killed_s * 1e9
    failover = []
    for vehicle_id in {a.vehicle_id for a in arrivals} - set(timeline.cut_ids):
        after = [
            a.stored_ns for a in arrivals if a.vehicle_id == vehicle_id and a.stored_ns > killed_ns
        ]
        if after:
            failover.append((min(after) - killed_ns) / 1e9)
    before_cut = [
        a for a in arrivals if timeline.started_s * 1e9 <= a.stored_ns < timeline.cut_s * 1e9
    ]
    per_second = Counter(a.stored_ns // 1_000_000_000 for a in arrivals)
    hq_pss, vehicle_pss, driver_pss = memory
    return Figures(
        vehicles=len(results),
        stored=sum(result.stored for result in results.values()),
        received=len(arrivals),
        lost=sum(result.lost for result in results.values()),
        duplicated=sum(result.duplicated for result in results.values()),
        out_of_order=sum(not result.is_in_order for result in results.values()),
        resume_s=resume,
        resume_restarted_s=resume_restarted,
        failover_s=failover,
        caught_up_s=caught_up,
        latency_ms=latency,
        ingest_per_s=len(before_cut) / max(timeline.cut_s - timeline.started_s, 1e-9),
        peak_ingest_per_s=max(per_second.values(), default=0),
        hq_pss_mib=hq_pss,
        vehicle_pss_mib=vehicle_pss,
        driver_pss_mib=driver_pss,
        lost_seqs={
            vehicle_id: result.lost_seqs for vehicle_id, result in results.items() if result.lost
        },
        slowest=sorted(each.items(), key=lambda item: (-item[1], item[0]))[:SLOWEST_SHOWN],
    )


def _recovered(timeline: Timeline, plan: Plan) -> str:
    if plan.is_hq_killed_in_cut:
        return "its sources set up again during the cut"
    if timeline.hq_recovered_s < 0:
        return f"not every source active again within {plan.recover_timeout_s:.0f} s: cut anyway"
    taken = timeline.hq_recovered_s - timeline.hq_killed_s
    return f"every source active again {taken:.1f} s after it; the cut waited for that"


def whose(lost_seqs: dict[str, list[int]], shown: int = LOSSES_SHOWN) -> str:
    """Which vehicles lost which events (their numbers), the first ``shown`` of each."""
    parts = []
    for vehicle_id, seqs in sorted(lost_seqs.items())[:shown]:
        more = f" and {len(seqs) - shown} more" if len(seqs) > shown else ""
        parts.append(f"{vehicle_id}: {', '.join(map(str, seqs[:shown]))}{more}")
    if len(lost_seqs) > shown:
        parts.append(f"{len(lost_seqs) - shown} more vehicles")
    return "; ".join(parts)


def _losses(figures: Figures, plan: Plan, timeline: Timeline) -> str:
    if not figures.lost:
        return "0"
    named = f" ({whose(figures.lost_seqs)})"
    if timeline.drained_s >= 0:
        return f"{figures.lost}{named}"
    return (
        f"{figures.lost} missing{named}: HQ had not taken every event "
        f"{plan.drain_timeout_s:.0f} s after the publishers stopped (still on their way or lost: "
        "the run fails either way)"
    )


def _slowest(figures: Figures, timeline: Timeline) -> str:
    """The cut vehicles slowest to resume, and when the links came back (the logs' clock)."""
    named = ", ".join(f"{vehicle_id} {seconds:.2f} s" for vehicle_id, seconds in figures.slowest)
    back = time.strftime("%H:%M:%S", time.localtime(timeline.restored_s))
    milliseconds = int(timeline.restored_s * 1000) % 1000
    return f"{named or 'none'}; the links came back at {back}.{milliseconds:03d}"


def _leads(timeline: Timeline) -> str:
    leads = timeline.killed_hq_leads
    return str(leads) if leads >= 0 else "? (HQ did not list its streams)"


def _p(values: Sequence[float], unit: str, digits: int = 2) -> str:
    return (
        f"p50 {percentile(values, 0.5):.{digits}f} {unit}, "
        f"p99 {percentile(values, 0.99):.{digits}f} {unit} (n={len(values)})"
    )


def render(figures: Figures, plan: Plan, timeline: Timeline, startup_s: float) -> str:
    """The table ``make fleet-sim`` prints."""
    vehicle_pss = figures.vehicle_pss_mib
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    rows = [
        (
            "vehicles",
            f"{figures.vehicles} light (a leaf nats-server each, niceness "
            f"+{plan.vehicle_niceness}, pings every {plan.vehicle_ping or PING_INTERVAL}, "
            f"link compression {plan.vehicle_compression}), "
            f"HQ 3 nodes (+0), {plan.shards} events shards",
        ),
        ("start-up", f"{startup_s:.1f} s: HQ, streams, each vehicle registered, linked, sourced"),
        (
            "disturbances",
            f"{len(timeline.cut_ids)} links cut {plan.cut_s:.0f} s; "
            f"{len(timeline.killed_ids)} vehicle servers kill -9 + restart during the cut; "
            f"HQ node {timeline.killed_hq} (leading the shards of {_leads(timeline)} vehicles) "
            "kill -9 " + ("during the cut" if plan.is_hq_killed_in_cut else "before the cut"),
        ),
        ("events", f"{figures.received} at HQ of {figures.stored} stored by the vehicles"),
        ("given up", f"{timeline.given_up} events their vehicle's JetStream did not take in 60 s"),
        ("losses", _losses(figures, plan, timeline)),
        ("duplicates", str(figures.duplicated)),
        ("out of order", f"{figures.out_of_order} vehicles"),
        ("resume after link back", _p(figures.resume_s, "s") + ", links cut only"),
        ("", _p(figures.resume_restarted_s, "s") + ", server also killed + restarted"),
        ("slowest to resume", _slowest(figures, timeline)),
        ("backlog at HQ after", _p(figures.caught_up_s, "s")),
        ("HQ node kill", _p(figures.failover_s, "s") + " to a linked vehicle's next event"),
        ("", _recovered(timeline, plan)),
        ("vehicle -> HQ latency", _p(figures.latency_ms, "ms", 1) + ", while connected"),
        (
            "HQ ingest",
            f"{figures.ingest_per_s:.0f} events/s before the cut, "
            f"peak {figures.peak_ingest_per_s}/s (the backlogs after it)",
        ),
        ("drained", f"{timeline.drained_s:.1f} s after the publishers stopped"),
        (
            "HQ CPU",
            f"{timeline.hq_cores:.2f} cores (3 nodes and the resumer, killed node until its death)",
        ),
        ("HQ memory", "PSS " + ", ".join(f"{value:.0f}" for value in figures.hq_pss_mib) + " MiB"),
        (
            "light vehicle",
            f"CPU {timeline.vehicle_cores * 100:.2f} % of a core; PSS mean "
            f"{sum(vehicle_pss) / max(len(vehicle_pss), 1):.1f} MiB, "
            f"max {max(vehicle_pss, default=0):.1f} MiB",
        ),
        (
            "simulator process",
            f"CPU {timeline.driver_cores:.2f} cores, PSS {figures.driver_pss_mib:.0f} MiB "
            "(publishers, proxies, HQ reader)",
        ),
        ("load average", f"{load} on {os.cpu_count()} cores"),
        ("verdict", "OK: nothing lost, nothing twice, in order" if figures.is_whole else "FAILED"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name:<{width}}  {value}" for name, value in rows)
