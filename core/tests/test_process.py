"""What a process asks of the kernel: same-page merging for itself and what it starts."""

from __future__ import annotations

import ctypes
import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from actkit_core import process
from actkit_core.process import PageMerging, merge_identical_pages


def merge_any(stat: str) -> str:
    """The ``ksm_merge_any`` line of a ``/proc/<pid>/ksm_stat``."""
    return next(line for line in stat.splitlines() if line.startswith("ksm_merge_any"))


@pytest.mark.skipif(not Path("/sys/kernel/mm/ksm").exists(), reason="a kernel without KSM")
def test_every_page_is_offered_to_merging_and_what_the_process_starts_inherits_it() -> None:
    assert merge_identical_pages() in (PageMerging.ON, PageMerging.OFF_ON_THIS_BOARD)
    assert merge_any(Path("/proc/self/ksm_stat").read_text()) == "ksm_merge_any: yes"
    started = subprocess.run(["cat", "/proc/self/ksm_stat"], capture_output=True, text=True)
    assert merge_any(started.stdout) == "ksm_merge_any: yes"


@pytest.mark.parametrize(
    ("switch", "merging"),
    [
        ("1\n", PageMerging.ON),
        ("0\n", PageMerging.OFF_ON_THIS_BOARD),
        (None, PageMerging.OFF_ON_THIS_BOARD),
    ],
)
def test_whether_pages_are_merged_is_the_boards_switch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, switch: str | None, merging: PageMerging
) -> None:
    run = tmp_path / "run"
    if switch is not None:
        run.write_text(switch)
    monkeypatch.setattr(process, "KSM_RUN", run)
    assert merge_identical_pages() is merging


class RefusingLibc:
    """A C library whose prctl fails with ``code``, as an older or locked-down kernel's does."""

    def __init__(self, code: int) -> None:
        self.code = code

    def prctl(self, *_: object) -> int:
        ctypes.set_errno(self.code)
        return -1


@pytest.mark.parametrize(
    ("code", "merging"),
    [(errno.EINVAL, PageMerging.NOT_IN_THIS_KERNEL), (errno.EPERM, PageMerging.REFUSED)],
)
def test_a_kernel_that_refuses_says_why(
    monkeypatch: pytest.MonkeyPatch, code: int, merging: PageMerging
) -> None:
    monkeypatch.setattr(process, "_LIBC", RefusingLibc(code))
    assert merge_identical_pages() is merging
    assert "not merged" in merging.value


ARENAS_OF_SIX_THREADS = """
import ctypes, ctypes.util, sys, threading
from actkit_core.process import limit_malloc_arenas
if sys.argv[1] == "limited":
    assert limit_malloc_arenas(2)
libc = ctypes.CDLL(ctypes.util.find_library("c"))
together = threading.Barrier(7)
def allocate():
    libc.malloc(1000)
    together.wait()
    together.wait()
threads = [threading.Thread(target=allocate) for _ in range(6)]
for thread in threads:
    thread.start()
together.wait()
libc.malloc_stats()
together.wait()
"""


@pytest.mark.parametrize(("limit", "arenas"), [("limited", 2), ("as glibc does", 7)])
def test_six_threads_allocating_at_once_share_the_arenas_of_the_limit(
    limit: str, arenas: int
) -> None:
    environment = {name: value for name, value in os.environ.items() if name != "MALLOC_ARENA_MAX"}
    stats = subprocess.run(
        [sys.executable, "-c", ARENAS_OF_SIX_THREADS, limit],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stderr
    assert stats.count("Arena ") == arenas


def test_programs_started_later_are_told_the_limit_in_their_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    process.limit_malloc_arenas(3)
    assert os.environ["MALLOC_ARENA_MAX"] == "3"


def test_a_c_library_without_mallopt_takes_no_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "2")
    monkeypatch.setattr(process, "_LIBC", object())
    assert not process.limit_malloc_arenas()


FREED_BELOW_LIVE_MEMORY = """
import sys
from actkit_core.process import release_free_memory
def resident_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("RssAnon"))
chunks, kept = [], []
for _ in range(200):
    chunks.append(bytes(100_000))  # 20 MB in the heap, in all (below the mmap threshold)
    kept.append(bytes(1000))  # live between them: glibc cannot give them back by itself
del chunks[:]
before = resident_kb()
released = release_free_memory()
print(released, before - resident_kb())
"""


def test_free_heap_pages_below_live_memory_are_given_back() -> None:
    released, given_back_kb = subprocess.run(
        [sys.executable, "-c", FREED_BELOW_LIVE_MEMORY],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    assert released == "True"
    assert int(given_back_kb) > 5_000


def test_a_c_library_without_malloc_trim_gives_nothing_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(process, "_LIBC", object())
    assert not process.release_free_memory()
