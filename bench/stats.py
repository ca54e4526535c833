"""Latency samples and their summary."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


class LostEvents(RuntimeError):
    """A path lost events: the bench fails loudly instead of averaging it away."""


@dataclass
class Latency:
    """Samples of one path, in milliseconds."""

    name: str
    samples_ms: list[float] = field(default_factory=list)

    def add_ns(self, elapsed_ns: int) -> None:
        self.samples_ms.append(elapsed_ns / 1e6)

    def summary(self) -> dict[str, float]:
        ordered = sorted(self.samples_ms)
        n = len(ordered)
        return {
            "p50": round(statistics.median(ordered), 3),
            "p99": round(ordered[min(n - 1, int(n * 0.99))], 3),
            "max": round(ordered[-1], 3),
            "max_at": self.samples_ms.index(ordered[-1]),  # which edge: the first, or a pattern
            "n": n,
        }
