"""Each service's CPU priority: raised at its start where allowed, lowered once it serves."""

from __future__ import annotations

import contextlib
import os
import threading

import pytest

from actkit_core.process import change_priority


def _changed_in_a_thread(name: str, *, raising: bool) -> tuple[int, int]:
    """A thread's niceness before and after ``change_priority`` (Linux: one per thread)."""
    found: list[tuple[int, int]] = []

    def move() -> None:
        thread = threading.get_native_id()
        before = os.getpriority(os.PRIO_PROCESS, thread)
        change_priority(name, raising=raising)
        found.append((before, os.getpriority(os.PRIO_PROCESS, thread)))

    # Every thread the process has at that moment moves: each is put back after.
    kept = {}
    for task in _threads():
        with contextlib.suppress(ProcessLookupError):  # a thread that ended since the listing
            kept[int(task)] = os.getpriority(os.PRIO_PROCESS, int(task))
    worker = threading.Thread(target=move)
    worker.start()
    worker.join()
    for thread, priority in kept.items():
        with contextlib.suppress(ProcessLookupError):
            os.setpriority(os.PRIO_PROCESS, thread, priority)
    return found[0]


def _threads() -> list[str]:
    return os.listdir("/proc/self/task")


def _may_raise_priority() -> bool:
    allowed: list[bool] = []

    def try_it() -> None:
        try:
            os.nice(-1)
        except PermissionError:
            allowed.append(False)
        else:
            allowed.append(True)

    worker = threading.Thread(target=try_it)
    worker.start()
    worker.join()
    return allowed == [True]


@pytest.mark.parametrize(
    ("name", "raising", "changed_by"),
    [
        ("web", False, 5),
        ("system", False, 10),
        ("web", True, 0),  # lowered only once it serves
        ("io", False, 0),  # raised only at its start
        ("mqtt", True, 0),
        ("io", True, -5),
    ],
)
def test_a_service_moves_to_its_priority_for_the_signal_paths(
    name: str, raising: bool, changed_by: int
) -> None:
    if changed_by > 0 and not _may_raise_priority():
        pytest.skip("putting this process's threads back up needs CAP_SYS_NICE")
    if changed_by < 0 and not _may_raise_priority():
        changed_by = 0  # refused without CAP_SYS_NICE, and not an error
    before, after = _changed_in_a_thread(name, raising=raising)
    assert after == max(-20, min(19, before + changed_by))
