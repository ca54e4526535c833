"""The bench's board mode (``make bench-board``): the compose stack on a real Docker Engine.

On the engine at ``DOCKER_HOST``, with the images present, it measures both layouts in turn: the
forked one (the default: nats and the container ``actkit``, which runs every service forked by
``actkit run``) and the split one (nats and one container per service):

- the time from ``docker-compose up`` to every service answering on the bus, for a first start
  (empty volumes) and a start on the volumes of the one before (a power-on), and to every
  container's health check passing;
- each container's memory, idle: PSS of its processes (split into anonymous and file-backed
  pages: the file-backed ones are the shared image's, which every container maps from the same
  files), RSS, and its memory cgroup's usage (cgroup v1 ``memory.usage_in_bytes``, what v2 calls
  ``memory.current``, page cache included, and without the inactive files);
- the same once the kernel's same-page merging has settled: each container's entrypoint offers
  its pages to it (``PR_SET_MEMORY_MERGE``; ``actkit run`` asks for its own too).

``make bench-board layout=split`` (or ``forked``) measures one. The forked ``actkit run`` figures
on the host are the last ``make bench``'s (``bench/results.json``).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from actkit_core.bus import Bus
from actkit_core.testing.stack import free_port, free_port_range
from actkit_proto.errors import Unavailable
from actkit_proto.service import GetServiceStatus
from actkit_proto.services import SERVICE_NAMES
from bench.memory import KSM, same_page_merging

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / ".cache" / "board" / "bench-results.json"
FORKED_RESULTS = Path(__file__).parent / "results.json"
DOCKER = "/usr/bin/docker"
CGROUP = Path("/sys/fs/cgroup/memory/docker")
IDLE_S = float(os.environ.get("ACTKIT_BENCH_BOARD_IDLE_S", "20"))
"""How long the stack idles after it answers before its memory is read."""
SETTLE_TIMEOUT_S = 180.0
ANSWER_TIMEOUT_S = 120.0
LAYOUTS = {"forked": ["nats", "actkit"], "split": ["nats", *SERVICE_NAMES]}
"""Each layout's containers (``actkit-<name>``; the forked one's ``actkit`` is named so)."""


def container_name(name: str) -> str:
    return name if name == "actkit" else f"actkit-{name}"


class Board:
    """One compose stack, its env file and ports in a folder of its own."""

    def __init__(self, folder: Path, layout: str) -> None:
        self.folder = folder
        self.containers = LAYOUTS[layout]
        self.nats_port = free_port()
        env = {
            "ACTKIT_BOARD_CACHE": str(folder),
            "ACTKIT_BOARD_LAYOUT": layout,
            "ACTKIT_NATS_PORT": str(self.nats_port),
            "ACTKIT_HTTP_PORT": str(free_port()),
            "ACTKIT_HTTPS_PORT": str(free_port()),
            "ACTKIT_RTSP_PORT": str(free_port()),
            "ACTKIT_METRICS_BASE": str(free_port_range(len(SERVICE_NAMES))),
        }
        board_sh = [REPO / "tools" / "board.sh"]
        subprocess.run([*board_sh, "env"], env={**os.environ, **env}, check=True)
        files = subprocess.run(
            [*board_sh, "files"], env={**os.environ, **env}, check=True, capture_output=True
        ).stdout.split()
        self.compose_command = [
            "docker-compose", "-p", "actkit", "--env-file", str(folder / "board.env"),
            *(file.decode() for file in files),
        ]  # fmt: skip

    def compose(self, *args: str) -> None:
        subprocess.run([*self.compose_command, *args], cwd=REPO, check=True, capture_output=True)

    def cli_password(self) -> str:
        known: dict[str, str] = json.loads((self.folder / "var/nats-credentials.json").read_text())
        return known["cli"]

    def started_s(self) -> tuple[float, float]:
        """Seconds from ``docker-compose up`` to every service answering, and to all healthy."""
        started = time.monotonic()
        self.compose("up", "-d", "--no-build")
        answering = asyncio.run(self._answering(started))
        while not all(
            inspect(container_name(name), "{{.State.Health.Status}}") == "healthy"
            for name in self.containers
        ):
            if time.monotonic() - started > ANSWER_TIMEOUT_S:
                raise RuntimeError("the board's containers are not all healthy")
            time.sleep(0.1)
        return round(answering - started, 2), round(time.monotonic() - started, 2)

    async def _answering(self, started: float) -> float:
        options: dict[str, Any] = {"user": "cli", "password": self.cli_password()}
        options["max_reconnect_attempts"] = 1
        url = f"nats://127.0.0.1:{self.nats_port}"
        while True:
            try:
                async with Bus.connect("bench-board", servers=[url], **options) as bus:
                    for service in SERVICE_NAMES:
                        while True:
                            try:
                                await bus.request(GetServiceStatus(service=service), timeout_s=1)
                                break
                            except (Unavailable, TimeoutError):
                                await asyncio.sleep(0.05)
                    return time.monotonic()
            except OSError:
                if time.monotonic() - started > ANSWER_TIMEOUT_S:
                    raise
                await asyncio.sleep(0.1)


def inspect(container: str, template: str) -> str:
    done = subprocess.run(
        [DOCKER, "inspect", "--format", template, container], capture_output=True, text=True
    )
    return done.stdout.strip()


def _smaps_kb(pid: str) -> dict[str, int]:
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
    except OSError:  # it exited meanwhile
        return {}
    return {line.split(":")[0]: int(line.split()[1]) for line in lines}


def container_memory_mb(containers: list[str]) -> dict[str, dict[str, float]]:
    """Every container's memory (MB), and the totals."""
    figures: dict[str, dict[str, float]] = {}
    for name in containers:
        group = CGROUP / inspect(container_name(name), "{{.Id}}")
        sums = dict.fromkeys(("Pss", "Pss_Anon", "Pss_File", "Rss"), 0)
        for pid in (group / "cgroup.procs").read_text().split():
            smaps = _smaps_kb(pid)
            for key in sums:
                sums[key] += smaps.get(key, 0)
        stat = dict(line.split() for line in (group / "memory.stat").read_text().splitlines())
        usage = int((group / "memory.usage_in_bytes").read_text())
        figures[name] = {
            "pss": sums["Pss"] / 1024,
            "pss_anon": sums["Pss_Anon"] / 1024,
            "pss_file": sums["Pss_File"] / 1024,
            "rss": sums["Rss"] / 1024,
            "cgroup": usage / 2**20,
            "cgroup_less_inactive_file": (usage - int(stat["total_inactive_file"])) / 2**20,
        }
    figures["total"] = {key: sum(row[key] for row in figures.values()) for key in figures["nats"]}
    return {name: {k: round(v, 1) for k, v in row.items()} for name, row in figures.items()}


def merged_memory_mb(containers: list[str]) -> tuple[dict[str, dict[str, float]], float]:
    """The memory once three full scans of ksmd in a row took less than a MB off the PSS."""
    started = time.monotonic()
    totals = [container_memory_mb(containers)["total"]["pss"]]
    scans = int((KSM / "full_scans").read_text())
    while time.monotonic() - started < SETTLE_TIMEOUT_S:
        time.sleep(0.5)
        if int((KSM / "full_scans").read_text()) == scans:
            continue
        scans = int((KSM / "full_scans").read_text())
        totals.append(container_memory_mb(containers)["total"]["pss"])
        if len(totals) > 3 and totals[-4] - totals[-1] < 1:
            break
    return container_memory_mb(containers), round(time.monotonic() - started, 1)


def measure(layout: str, merging_on: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        board = Board(Path(folder), layout)
        try:
            results: dict[str, Any] = {}
            results["first_up_s"], results["first_healthy_s"] = board.started_s()
            board.compose("down", "-t", "5")
            results["up_s"], results["healthy_s"] = board.started_s()
            time.sleep(IDLE_S)
            results["idle_mb"] = container_memory_mb(board.containers)
            if merging_on:
                results["merged_mb"], results["merged_after_s"] = merged_memory_mb(board.containers)
            return results
        finally:
            board.compose("down", "--remove-orphans", "-v", "-t", "5")


def _table(figures: dict[str, dict[str, float]]) -> None:
    columns = list(figures["total"])
    print(f"  {'container':<10}" + "".join(f"{column:>27}" for column in columns))
    for name, row in figures.items():
        print(f"  {name:<10}" + "".join(f"{row[column]:>27}" for column in columns))


def _report(layout: str, figures: dict[str, Any]) -> None:
    print(f"{layout} layout ({', '.join(map(container_name, LAYOUTS[layout]))}):", flush=True)
    print(
        f"  docker-compose up -> every service answering: {figures['first_up_s']} s "
        f"(first start, empty volumes), {figures['up_s']} s (on its volumes); every "
        f"container healthy: {figures['first_healthy_s']} s, {figures['healthy_s']} s"
    )
    print(f"  memory MB, idle {IDLE_S:g} s after answering:")
    _table(figures["idle_mb"])
    if "merged_mb" in figures:
        print(f"  memory MB once identical pages merged ({figures['merged_after_s']} s):")
        _table(figures["merged_mb"])


def main() -> int:
    if not os.environ.get("DOCKER_HOST"):
        print("the board bench needs DOCKER_HOST: run it with make bench-board")
        return 2
    layouts = (
        [os.environ["ACTKIT_BENCH_BOARD_LAYOUT"]]
        if os.environ.get("ACTKIT_BENCH_BOARD_LAYOUT")
        else list(LAYOUTS)
    )
    results: dict[str, Any] = {}
    if FORKED_RESULTS.exists():
        forked = json.loads(FORKED_RESULTS.read_text())
        results["forked_actkit_run"] = {
            "pss_total_mb": forked["pss_mb"]["total"],
            "cold_start_s": forked["cold_start_s"],
        }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with same_page_merging(True) as merging:
        print(f"same-page merging (KSM): {merging.how}")
        for layout in layouts:  # each written as soon as measured: a later one may fail
            results[layout] = measure(layout, merging_on=merging.is_on)
            RESULTS.write_text(json.dumps(results, indent=2) + "\n")
            _report(layout, results[layout])
    if "forked_actkit_run" in results:
        print(f"forked actkit run on the host (last make bench): {results['forked_actkit_run']}")
    print(f"wrote {RESULTS.relative_to(REPO)}")
    return 0
