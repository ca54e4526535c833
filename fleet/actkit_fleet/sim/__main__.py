"""``python -m actkit_fleet.sim``: run the fleet simulation, print its figures, exit 1 on a loss."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from actkit_fleet.leafconf import COMPRESSION_MODES, PING_INTERVAL
from actkit_fleet.shards import DEFAULT_SHARDS
from actkit_fleet.sim.check import arrivals, by_vehicle
from actkit_fleet.sim.figures import compute, render
from actkit_fleet.sim.fleet import VEHICLE_COMPRESSION, SimFleet
from actkit_fleet.sim.scenario import Plan, run
from actkit_fleet.sim.usage import pss_mib

VEHICLE_NICENESS = 10
"""HQ runs on machines of its own and each vehicle on its own board: on one machine, the
vehicles' servers wait while HQ's nodes have work (+10: about a tenth of HQ's share of a core)."""


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


async def simulate(plan: Plan, folder: Path, *, is_resuming: bool = True) -> bool:
    """Run the simulation in ``folder``; whether HQ got every event once, in order."""
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    _say(f"fleet-sim: {plan.vehicles} vehicles, load average {load} before")
    fleet = SimFleet(
        folder,
        plan.vehicles,
        is_resuming=is_resuming,
        vehicle_niceness=plan.vehicle_niceness,
        vehicle_ping=plan.vehicle_ping,
        vehicle_compression=plan.vehicle_compression,
        shards=plan.shards,
    )
    started = time.monotonic()
    try:
        await fleet.start()
        startup_s = time.monotonic() - started
        _say(f"fleet-sim: up in {startup_s:.1f} s; playing {plan.calm_s:.0f} s calm, ...")
        timeline = await run(fleet, plan)
        memory = (
            [pss_mib(pid) for pid in fleet.hq.pids()],
            [pss_mib(sim.vehicle.pid) for sim in fleet.vehicles],
            pss_mib(os.getpid()),
        )
        found = arrivals(await fleet.hq_messages())
        results = by_vehicle(found, {sim.vehicle_id: sim.stored for sim in fleet.vehicles})
        figures = compute(found, results, timeline, memory)
        _say(render(figures, plan, timeline, startup_s))
        if is_resuming:
            _say(
                f"  resumer: {fleet.hq.resumed()} sources set up again on their link's return, "
                f"{fleet.hq.first_links()} added at a first link"
            )
        return figures.is_whole
    finally:
        await fleet.close()


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, simulate, return the exit status."""
    parser = argparse.ArgumentParser(prog="fleet-sim", description=__doc__)
    parser.add_argument("--vehicles", type=int, default=int(os.environ.get("FLEET_VEHICLES", 200)))
    parser.add_argument("--rate", type=float, default=0.5, help="input changes per vehicle per s")
    parser.add_argument("--cut-s", type=float, default=30.0, help="how long the links are cut")
    parser.add_argument("--calm-s", type=float, default=15.0, help="before the cut and after")
    parser.add_argument(
        "--vehicle-niceness",
        type=int,
        default=int(os.environ.get("FLEET_VEHICLE_NICENESS", VEHICLE_NICENESS)),
        help="added to the vehicles' servers' niceness: HQ first, as on machines of its own "
        f"(default {VEHICLE_NICENESS}; 0: all alike)",
    )
    parser.add_argument(
        "--vehicle-ping",
        default=os.environ.get("FLEET_VEHICLE_PING", ""),
        help="the vehicles' link ping interval (20s, 500ms; 2 unanswered drop the link): "
        f"a starved vehicle drops its link less often (default the vehicle's, {PING_INTERVAL})",
    )
    parser.add_argument(
        "--vehicle-compression",
        default=os.environ.get("FLEET_VEHICLE_COMPRESSION", VEHICLE_COMPRESSION),
        choices=COMPRESSION_MODES,
        help="the vehicles' link compression (default off: on loopback s2_auto compresses "
        "nothing and costs each vehicle CPU; a real vehicle's link has s2_auto)",
    )
    parser.add_argument(
        "--shards",
        type=int,
        default=int(os.environ.get("FLEET_SHARDS", DEFAULT_SHARDS)),
        help=f"HQ's events streams, as setup --shards (default {DEFAULT_SHARDS})",
    )
    parser.add_argument(
        "--kill-hq-in-cut",
        action="store_true",
        help="kill the HQ node during the cut, not before it",
    )
    parser.add_argument(
        "--no-resume",
        action="store_true",
        help="without actkit-fleet resume: sources resume when nats-server retries them",
    )
    parser.add_argument(
        "--keep-logs",
        action="store_true",
        help="keep the HQ nodes', the resumer's and the vehicles' logs after a whole run too "
        "(a failed run always keeps them)",
    )
    args = parser.parse_args(argv)
    if args.vehicles < 4:
        parser.error("--vehicles: at least 4 (a quarter of them is cut)")
    if args.vehicle_ping and not re.fullmatch(r"[1-9][0-9]*(ms|s|m)", args.vehicle_ping):
        parser.error(f"--vehicle-ping: {args.vehicle_ping!r} is not a duration like 20s or 500ms")
    plan = Plan(
        vehicles=args.vehicles,
        rate_hz=args.rate,
        cut_s=args.cut_s,
        calm_s=args.calm_s,
        vehicle_niceness=args.vehicle_niceness,
        vehicle_ping=args.vehicle_ping,
        vehicle_compression=args.vehicle_compression,
        shards=args.shards,
        is_hq_killed_in_cut=args.kill_hq_in_cut,
    )
    folder = Path(tempfile.mkdtemp(prefix="fleet-sim-"))
    is_whole = False
    try:
        is_whole = asyncio.run(simulate(plan, folder, is_resuming=not args.no_resume))
    finally:
        if is_whole and not args.keep_logs:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            _say(f"fleet-sim: the servers' logs are kept in {folder}")
    return 0 if is_whole else 1


if __name__ == "__main__":
    sys.exit(main())
