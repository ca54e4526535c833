"""What a process asks of the kernel: same-page merging for itself and what it starts."""

from __future__ import annotations

import ctypes
import errno
import subprocess
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
