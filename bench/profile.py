"""Where the input -> output path spends its time: py-spy samples the services while it runs.

``make bench only=profile`` writes one flame graph per service
(``test-artifacts/profile-<service>.svg``) and prints each one's heaviest frames: the share of the
samples taken in that process in which the frame was on the stack, the event loop's own left out.
"""

from __future__ import annotations

import contextlib
import html
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from actkit_core.testing.stack import Stack

PROFILED = ("io", "events")
RATE_HZ = 250
TOP = 12
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
_FRAME = re.compile(r'<title>(.*?)</title><rect [^>]*?y="(\d+)"[^>]*?fg:x="(\d+)" fg:w="(\d+)"')
_SAMPLES = re.compile(r" \([\d,]+ samples?, [\d.]+%\)$")
IDLE = ("select (", "poll (", "run_forever (", "Runner.run (", "_run_once (", "all")
"""Frames of a loop waiting for work, or of the loop itself: on every stack, not work."""


@contextlib.contextmanager
def sampling(stack: Stack, services: tuple[str, ...] = PROFILED) -> Iterator[dict[str, Path]]:
    """Sample ``services`` while the block runs; yields each one's flame graph path."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    ARTIFACTS.mkdir(exist_ok=True)
    processes = stack.processes()
    graphs = {service: ARTIFACTS / f"profile-{service}.svg" for service in services}
    record = [
        spy,
        "record",
        "--nonblocking",
        "--rate",
        str(RATE_HZ),
        "--format",
        "flamegraph",
        "--nolineno",
    ]
    spies = [
        subprocess.Popen(
            [*record, "--output", str(graphs[service]), "--pid", str(processes[service].pid)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for service in services
    ]
    try:
        yield graphs
    finally:
        for spy_process in spies:
            spy_process.send_signal(signal.SIGINT)
        for spy_process in spies:
            spy_process.wait(timeout=60)


def top_frames(graph: Path, count: int = TOP) -> list[tuple[str, float, float]]:
    """The functions that took most samples in a py-spy flame graph.

    Returns:
        ``(function, self %, total %)``, the heaviest in itself first: self counts the samples
        in which the function was running, total those in which it was on the stack.
    """
    frames = []
    for match in _FRAME.finditer(graph.read_text()):
        title, depth, start, width = match.groups()
        frames.append((int(depth), int(start), int(width), _function(html.unescape(title))))
    everything = sum(width for depth, _, width, _ in frames if depth == min(f[0] for f in frames))
    children: dict[tuple[int, int], int] = {}
    for depth, start, width, _ in frames:
        parent = max(
            (f for f in frames if f[0] < depth and f[1] <= start < f[1] + f[2]),
            key=lambda f: f[0],
            default=None,
        )
        if parent is not None:
            key = (parent[0], parent[1])
            children[key] = children.get(key, 0) + width
    own: dict[str, int] = {}
    total: dict[str, int] = {}
    for depth, start, width, function in frames:
        own[function] = own.get(function, 0) + width - children.get((depth, start), 0)
        total[function] = total.get(function, 0) + width
    ranked = sorted(
        (name for name in own if not name.startswith(IDLE)), key=lambda name: -own[name]
    )[:count]
    share = 100 / max(everything, 1)
    return [(name, round(own[name] * share, 1), round(total[name] * share, 1)) for name in ranked]


def _function(title: str) -> str:
    return _SAMPLES.sub("", title)
