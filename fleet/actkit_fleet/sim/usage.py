"""CPU time and proportional memory (PSS) of processes, read from /proc."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_TICKS_S = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) process ``pid`` has used; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS_S


def pss_mib(pid: int) -> float:
    """Proportional set size of ``pid`` in MiB (its shared pages divided among their users)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0.0
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class CpuWindow:
    """CPU use of some processes between :meth:`begin` and :meth:`end`, as cores."""

    pids: list[int]
    started_s: float = 0.0
    start_cpu: dict[int, float] | None = None

    def begin(self, now_s: float) -> None:
        """Start the window."""
        self.started_s = now_s
        self.start_cpu = {pid: cpu_s(pid) for pid in self.pids}

    def end(self, now_s: float, last_cpu: dict[int, float] | None = None) -> float:
        """Cores used on average since :meth:`begin` (all the processes together).

        Args:
            now_s: the window's end.
            last_cpu: CPU seconds last read of processes that have exited since (killed ones).
        """
        assert self.start_cpu is not None, "begin first"
        used = 0.0
        for pid, start in self.start_cpu.items():
            now = cpu_s(pid) or (last_cpu or {}).get(pid, start)
            used += max(0.0, now - start)
        return used / max(now_s - self.started_s, 1e-9)
