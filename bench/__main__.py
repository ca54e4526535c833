"""Run every benchmark against a fresh stack, print a table and write bench/results.json.

The measuring is ``bench/measure.py``'s, the printing ``bench/report.py``'s; this starts the
stacks, for the whole run or for the one part ``ACTKIT_BENCH_ONLY`` names.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import platform
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import uvloop

from actkit_core.testing.stack import running_stack
from bench import flood, report, rules
from bench.measure import (
    COLD_STARTS,
    FLOOD_SECONDS,
    measure,
    measure_flood_only,
    measure_paths,
    measure_vapix,
    start_as_compiled,
    start_times_s,
)
from bench.memory import Merging, memory_mb, merged_memory_mb, private_mb, same_page_merging
from bench.stats import LostEvents

ONLY = os.environ.get("ACTKIT_BENCH_ONLY", "")
"""``flood`` (``make bench only=flood``): only the flood path, on a fresh stack; ``paths``: the bus
floor (an echo in a process of its own, and one on the bench's loop), input -> output, input ->
beacon and MQTT -> output, then input -> output and the floor again on an idle stack (edges and
requests ``IDLE_GAP_S`` apart); ``profile``: input -> output alone,
sampled by py-spy (bench/profile.py); ``vapix``: the VAPIX toggles alone, with each process' CPU
per request; ``vapix-profile``: the same, with web, accounts and io sampled by py-spy; ``start``:
the first start and power-ons (forked), and the memory just after a power-on; ``memory``: the
whole load on a power-on stack, then its memory right after and once merged (a full run's figures,
without the latencies' report, the rules engine and the start-ups)."""
KSM_CHOICES = {"on": True, "as-is": False}
"""``ACTKIT_BENCH_KSM=as-is`` leaves the kernel's same-page merging as it is (to compare)."""
RESULTS = Path(__file__).parent / "results.json"


def main_paths(is_sampled: bool) -> int:
    with tempfile.TemporaryDirectory() as folder, running_stack(Path(folder)) as stack:
        results = uvloop.run(measure_paths(stack, is_sampled))
    report.print_paths(results)
    return 0


def main_vapix(is_sampled: bool) -> int:
    with tempfile.TemporaryDirectory() as folder, running_stack(Path(folder)) as stack:
        results = uvloop.run(measure_vapix(stack, is_sampled))
    report.print_vapix(results)
    return 0


def main_start() -> int:
    start_as_compiled()
    first_s, again_s = start_times_s(COLD_STARTS, "fork")
    with tempfile.TemporaryDirectory() as folder:
        with running_stack(Path(folder)):
            pass
        with running_stack(Path(folder)) as stack:
            memory = memory_mb(stack)
            serving = [line.rstrip() for line in stack.log if " serving on " in line]
    report.print_start(first_s, again_s, stack.started_in_s, serving, memory)
    return 0


def main_flood() -> int:
    with tempfile.TemporaryDirectory() as folder, running_stack(Path(folder)) as stack:
        results = uvloop.run(measure_flood_only(stack))
    flood.print_runs(results, rules.LIGHTBAR_INPUT, rules.LAMP_OUTPUT, FLOOD_SECONDS)
    return failed_if_lost(results)


def failed_if_lost(results: dict[str, Any]) -> int:
    """1, said on stderr, when a flood run lost edges; else 0."""
    lost = sum(run["lost"] for run in results["flood"].values())
    if lost:
        print(f"FAILED: the flood lost {lost}", file=sys.stderr)
        return 1
    return 0


def measure_after_load(folder: Path, merging: Merging) -> dict[str, Any]:
    """The whole load on a power-on stack, with its memory right after and once merged."""
    # Measured from a power-on, as the car runs: the first start (databases created,
    # Alembic imported by every service to do it) happens once in a device's life.
    with running_stack(folder) as stack:
        first_start_pss_mb = memory_mb(stack)[1]["total"]
    with running_stack(folder) as stack:
        results = uvloop.run(measure(stack))
        results["rss_mb"], results["pss_mb"] = memory_mb(stack)
        results["pss_right_after_load_mb"] = results["pss_mb"]
        if merging.is_on:
            rss, pss, waited_s = merged_memory_mb(stack)
            results["rss_mb"], results["pss_mb"] = rss, pss
            results["merging_settled_in_s"] = waited_s
        results["private_mb"] = private_mb(stack)
        results["first_start_pss_total_mb"] = first_start_pss_mb
    results["same_page_merging"] = merging.how
    return results


def main_memory() -> int:
    """``make bench only=memory``: the memory after the whole load, merged as in a full run."""
    start_as_compiled()
    try:
        with tempfile.TemporaryDirectory() as folder, same_page_merging() as merging:
            print(f"same-page merging (KSM): {merging.how}")
            results = measure_after_load(Path(folder), merging)
    except LostEvents as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    report.print_memory(results)
    return failed_if_lost(results)


def main() -> int:
    start_as_compiled()
    machine = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "uvloop": metadata.version("uvloop"),
        "platform": platform.platform(),
    }
    print(f"machine: {machine}")
    ksm = os.environ.get("ACTKIT_BENCH_KSM", "on")
    if ksm not in KSM_CHOICES:
        print(f"ACTKIT_BENCH_KSM is {ksm!r}: use on (the default) or as-is", file=sys.stderr)
        return 2
    try:
        with (
            tempfile.TemporaryDirectory() as folder,
            same_page_merging(KSM_CHOICES[ksm]) as merging,
        ):
            print(f"same-page merging (KSM): {merging.how}")
            results = measure_after_load(Path(folder), merging)
    except LostEvents as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    evaluations_per_s, rules_per_edge = rules.engine_evaluations_per_s()
    results["rules_evals_per_s"] = round(evaluations_per_s)
    results["rules_per_edge"] = rules_per_edge
    results["first_start_s"], results["cold_start_s"] = start_times_s(COLD_STARTS, "fork")
    results["first_start_exec_s"], results["cold_start_exec_s"] = start_times_s(COLD_STARTS, "exec")
    results["machine"] = machine
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    report.print_results(results, RESULTS)
    return failed_if_lost(results)


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    # The bench's own modules and objects are out of its collector's reach: a full collection
    # in the bench walks only what it made since, and does not stall a timed edge for tens of
    # milliseconds (a timed path would show the bench's pause as the stack's).
    gc.freeze()
    if sys.argv[1:] == ["board"]:  # make bench-board: the compose stack on dockerd
        from bench import board

        sys.exit(board.main())
    if ONLY not in ("", "flood", "paths", "profile", "vapix", "vapix-profile", "start", "memory"):
        sys.exit(
            f"ACTKIT_BENCH_ONLY is {ONLY!r}: leave it empty (everything), flood, paths, profile, "
            "vapix, vapix-profile, start, memory"
        )
    if ONLY == "start":
        sys.exit(main_start())
    if ONLY == "memory":
        sys.exit(main_memory())
    if ONLY in ("vapix", "vapix-profile"):
        sys.exit(main_vapix(is_sampled=ONLY == "vapix-profile"))
    if ONLY in ("paths", "profile"):
        sys.exit(main_paths(is_sampled=ONLY == "profile"))
    sys.exit(main_flood() if ONLY == "flood" else main())
