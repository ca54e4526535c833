"""The stack's memory: RSS and PSS of every process, before and after the kernel merges pages.

The services are forked from ``actkit run`` and share its pages until CPython writes to them,
which it does even to pages it only reads (a refcount goes up, then down again). The kernel's
same-page merging (KSM) shares the pages that are identical again: ``actkit run`` offers every
page to it, and the board runs it (``deploy/tmpfiles.d/actkit-ksm.conf``). The bench runs it as
the board does, for its own length, and reports the memory right after the load and once merged.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import psutil

from actkit_core.testing.stack import Stack

KSM = Path("/sys/kernel/mm/ksm")
SETTLE_SCANS = 3
"""Merging has settled when this many full scans in a row took less than a MB more off."""
SETTLE_TIMEOUT_S = 240.0
FAST_PAGES_TO_SCAN = "1000"
"""Pages ksmd scans per 20 ms while the bench waits: ten times the kernel's default."""


def memory_mb(stack: Stack) -> tuple[dict[str, float], dict[str, float]]:
    """RSS and PSS of every process of the stack (``actkit run`` too), by name, plus the totals.

    RSS counts a shared page in every process that maps it, so its total overstates what the
    stack takes; PSS splits each shared page between its sharers, so its total is that amount.
    """
    rss: dict[str, float] = {}
    pss: dict[str, float] = {}
    processes = {"supervisor": psutil.Process(stack.process.pid), **stack.processes()}
    for name, process in processes.items():
        info = process.memory_full_info()
        rss[name] = round(info.rss / 2**20, 1)
        pss[name] = round(info.pss / 2**20, 1)
    rss["total"] = round(sum(rss.values()), 1)
    pss["total"] = round(sum(pss.values()), 1)
    return rss, pss


def private_mb(stack: Stack) -> dict[str, float]:
    """What only each process of the stack maps (USS: its own and its copied pages), plus the total.

    Unlike PSS, it does not depend on what else runs on the machine: a library's pages that other
    programs map too (libpython, nats-server's binary, a package's extension modules) lower every
    process's PSS by their share, which makes a stack's PSS vary from run to run on a busy machine.
    """
    processes = {"supervisor": psutil.Process(stack.process.pid), **stack.processes()}
    uss = {name: round(p.memory_full_info().uss / 2**20, 1) for name, p in processes.items()}
    uss["total"] = round(sum(uss.values()), 1)
    return uss


class Merging(NamedTuple):
    """Whether the kernel merges identical pages while the bench runs, and how it came to."""

    is_on: bool
    how: str


@contextlib.contextmanager
def same_page_merging(switch_on: bool = True) -> Iterator[Merging]:
    """Run the kernel's same-page merging while the bench runs, as the board does.

    It is switched on when it is off (and put back after), unless ``switch_on`` is false (to
    compare), this kernel has no KSM, or the bench may not (not root).
    """
    run = KSM / "run"
    try:
        before = run.read_text().strip()
        if before != "1" and not switch_on:
            yield Merging(is_on=False, how="off (left as it was)")
            return
        if before != "1":
            run.write_text("1")
    except OSError as exc:
        yield Merging(is_on=False, how=f"off ({exc.strerror}: {run})")
        return
    try:
        yield Merging(is_on=True, how="on" if before == "1" else "on for the bench")
    finally:
        if before != "1":
            run.write_text(before)


def _full_scans() -> int:
    return int((KSM / "full_scans").read_text())


def merged_memory_mb(stack: Stack) -> tuple[dict[str, float], dict[str, float], float]:
    """RSS and PSS once merging has settled, and the seconds it took to settle.

    Settled: :data:`SETTLE_SCANS` full scans in a row took less than a MB off the PSS total.
    ksmd scans faster meanwhile, when the bench may make it; at the kernel's default speed the
    stack gets to the same figure, only after two or three minutes instead of half a minute.
    """
    pages_to_scan = KSM / "pages_to_scan"
    speed = pages_to_scan.read_text()
    with contextlib.suppress(OSError):  # not root: at the board's speed, then
        pages_to_scan.write_text(FAST_PAGES_TO_SCAN)
    started = time.monotonic()
    try:
        rss, pss = memory_mb(stack)
        totals = [pss["total"]]
        scans = _full_scans()
        while time.monotonic() - started < SETTLE_TIMEOUT_S:
            time.sleep(0.2)
            if _full_scans() == scans:
                continue
            scans = _full_scans()
            rss, pss = memory_mb(stack)
            totals.append(pss["total"])
            if len(totals) > SETTLE_SCANS and totals[-SETTLE_SCANS - 1] - totals[-1] < 1:
                break
    finally:
        with contextlib.suppress(OSError):
            pages_to_scan.write_text(speed)
    return rss, pss, round(time.monotonic() - started, 1)
