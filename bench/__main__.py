"""Run every benchmark against a fresh stack, print a table and write bench/results.json."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil
import uvloop

from actkit_core.bus import Bus
from actkit_core.testing.stack import Stack, running_stack
from bench import floor, paths
from bench.stats import Latency, LostEvents

EDGES = int(os.environ.get("ACTKIT_BENCH_EDGES", "2000"))
COLD_STARTS = int(os.environ.get("ACTKIT_BENCH_COLD_STARTS", "5"))
RESULTS = Path(__file__).parent / "results.json"


def memory_mb(stack: Stack) -> dict[str, float]:
    """RSS of every process of the stack, by service name (and nats-server), plus the total."""
    rss: dict[str, float] = {}
    for process in psutil.Process(stack.process.pid).children(recursive=True):
        command = " ".join(process.cmdline())
        name = "nats-server" if "nats-server" in command else command.rsplit("actkit-", 1)[-1]
        rss[name] = round(process.memory_info().rss / 2**20, 1)
    rss["total"] = round(sum(rss.values()), 1)
    return rss


def cold_start_s(count: int) -> float:
    """Median time from launching ``actkit run`` to every service answering ``$SRV.PING``."""
    times = []
    for _ in range(count):
        with tempfile.TemporaryDirectory() as folder, running_stack(Path(folder)) as stack:
            times.append(stack.started_in_s)
    return round(statistics.median(times), 2)


async def measure(stack: Stack) -> dict[str, Any]:
    credentials = stack.credentials()
    results: dict[str, Any] = {}
    request = await floor.request_reply(stack.nats_url, credentials, EDGES)
    hop = await floor.publish_subscribe(stack.nats_url, credentials, EDGES)
    results["bus_floor_ms"] = request.summary()
    results["bus_floor_hop_ms"] = hop.summary()
    async with Bus.connect("bench", servers=[stack.nats_url], **credentials) as bus:
        edge = await paths.drive_and_watch(bus, "input_edge_ms", 1, 1, EDGES)
    results["input_edge_ms"] = edge.summary()
    results["hops"] = {
        "input_edge_ms": ratio(edge, request),
    }
    return results


def ratio(path: Latency, unit: Latency) -> float:
    """How many bus request/reply round trips a path costs, at the median."""
    return round(statistics.median(path.samples_ms) / statistics.median(unit.samples_ms), 2)


def main() -> int:
    machine = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "uvloop": metadata.version("uvloop"),
        "platform": platform.platform(),
    }
    print(f"machine: {machine}")
    try:
        with tempfile.TemporaryDirectory() as folder, running_stack(Path(folder)) as stack:
            results = uvloop.run(measure(stack))
            results["rss_mb"] = memory_mb(stack)
    except LostEvents as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    results["cold_start_s"] = cold_start_s(COLD_STARTS)
    results["machine"] = machine
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"{'path':<22}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'n':>7}")
    for key, value in results.items():
        if isinstance(value, dict) and "p50" in value:
            print(f"{key:<22}{value['p50']:>9}{value['p99']:>9}{value['max']:>9}{value['n']:>7}")
    print(f"hops (path p50 / request-reply p50): {results['hops']}")
    print(f"rss MB: {results['rss_mb']}")
    print(f"cold start: {results['cold_start_s']} s (median of {COLD_STARTS})")
    print(f"wrote {RESULTS.name}")
    return 0


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    sys.exit(main())
