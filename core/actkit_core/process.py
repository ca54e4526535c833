"""What a process asks of Linux: stop with its parent, share pages, see a child exit, a priority."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import errno
import os
import signal
from enum import Enum
from pathlib import Path

PR_SET_PDEATHSIG = 1
"""prctl(2): the signal the kernel sends this process when the thread that made it exits."""

PR_SET_MEMORY_MERGE = 67
"""prctl(2), Linux ≥ 6.4: let same-page merging (KSM) share any page of this process."""

M_ARENA_MAX = -8
"""mallopt(3): the most arenas glibc's malloc makes; by default eight per core, one per thread
that allocates while another holds the arena it would share."""

MALLOC_ARENAS = 2
"""Arenas per service process: its threads (SQLite's, the metrics server's, ``to_thread``'s)
allocate little, and each arena of their own keeps its free pages to itself."""

KSM_RUN = Path("/sys/kernel/mm/ksm/run")
"""The board's switch for the kernel's same-page merging thread (ksmd): ``1`` while it runs."""

NICENESS = {"io": -5, "events": -5, "web": 5, "accounts": 5, "network": 10, "system": 10}
"""A service's CPU priority (``nice``) against the vehicle's signal paths.

io, events, mqtt, ble and nats-server carry an input to the lightbar's output, to a camera's
MQTT topic, to the beacon: when the two cores are busy (an input that chatters, an integrator's
loop), they run first and the dashboard, VAPIX, the accounts' checks, the network's and the
system's work wait. Raising a priority needs ``CAP_SYS_NICE`` (a container lacks it unless
granted): refused, io and events stay at the default, still ahead of the lowered. Lowering needs
no privilege, and is done once the service serves, so that a power-on does not wait for the
lowered services' start. An idle core is taken whatever the niceness.

Where the kernel groups tasks by session (autogroup: ``/proc/sys/kernel/sched_autogroup_enabled``
is 1), it shares the CPU between the groups first, and ``actkit run`` starts each service in a
session of its own: there the niceness orders nothing between the services. Setting each
session's group niceness instead (``/proc/self/autogroup``) was measured and did not shorten the
bench's paths, its own process losing the CPU to the raised services; not done."""

_LIBC = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
# Loaded here, in the parent: a child between fork and exec must not load libraries.


def stop_with_parent() -> None:
    """Ask the kernel for SIGTERM when the parent goes, even if it is killed (Linux only).

    Call it in the child: a forked service, or a ``preexec_fn`` before exec. A clean stop by the
    parent (SIGTERM, then wait) does not depend on it; this covers the parent being killed.
    """
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


async def until_exited(pid: int) -> None:
    """Return once child ``pid`` has exited, without reaping it (a pidfd on the running loop).

    The caller reaps it (``waitpid``, ``Popen.wait``), then at once: a pidfd waits on the event
    loop, where a blocking wait would stall every other child's watch, and needs no thread (a
    forking supervisor must have none).
    """
    loop = asyncio.get_running_loop()
    exited: asyncio.Future[None] = loop.create_future()
    pidfd = os.pidfd_open(pid)

    def on_exit() -> None:
        if not exited.done():  # pragma: no branch - a second call before remove_reader
            exited.set_result(None)

    loop.add_reader(pidfd, on_exit)
    try:
        await exited
    finally:
        loop.remove_reader(pidfd)
        os.close(pidfd)


class PageMerging(Enum):
    """Whether the kernel shares this process's pages with identical pages of other processes."""

    ON = "identical memory pages are merged (KSM)"
    OFF_ON_THIS_BOARD = (
        f"identical memory pages are not merged: KSM is off (1 in {KSM_RUN} saves tens of MB)"
    )
    NOT_IN_THIS_KERNEL = "identical memory pages are not merged: this kernel cannot (Linux ≥ 6.4)"
    REFUSED = "identical memory pages are not merged: the kernel refused (PR_SET_MEMORY_MERGE)"


def merge_identical_pages() -> PageMerging:
    """Offer every page of this process, and of the processes it starts, to same-page merging.

    A service forked from ``actkit run`` shares the supervisor's pages until it writes to them,
    and CPython writes to many a page it only reads (a refcount goes up, then down again). Each
    service so ends up with copies, most of them identical to the supervisor's or to the other
    services' copies. The kernel's same-page merging thread finds identical pages and shares them
    again, copy-on-write: the whole stack takes about 80 MB less a minute or two after it starts.
    The setting is inherited by forked children (and kept across exec, Linux ≥ 6.7); merging
    itself happens only while the board runs the thread (:data:`KSM_RUN`).
    """
    zero = ctypes.c_ulong(0)
    if _LIBC.prctl(PR_SET_MEMORY_MERGE, ctypes.c_ulong(1), zero, zero, zero) != 0:
        if ctypes.get_errno() == errno.EINVAL:
            return PageMerging.NOT_IN_THIS_KERNEL
        return PageMerging.REFUSED
    try:
        running = KSM_RUN.read_text().strip() == "1"
    except OSError:
        running = False
    return PageMerging.ON if running else PageMerging.OFF_ON_THIS_BOARD


def limit_malloc_arenas(count: int = MALLOC_ARENAS) -> bool:
    """Let glibc's malloc make at most ``count`` arenas in this process and its forked children.

    Set in the supervisor before it forks, so every forked service has the limit; a program it
    starts anew (an exec'd service) reads ``MALLOC_ARENA_MAX``, which is set for it too. Returns
    whether the C library took the limit (one without ``mallopt``, as musl's, does not).
    """
    os.environ.setdefault("MALLOC_ARENA_MAX", str(count))
    mallopt = getattr(_LIBC, "mallopt", None)
    return mallopt is not None and mallopt(M_ARENA_MAX, count) == 1


def release_free_memory() -> bool:
    """Give the kernel back the pages of this process's malloc heaps that hold nothing.

    glibc returns only the top of a heap by itself: what an import or a start-up freed below
    live memory stays resident (2.5 MB in the supervisor after the preload, a few hundred kB to a
    MB in a service after its start). Returns whether any was given back (a C library without
    ``malloc_trim``, as musl, gives none).
    """
    trim = getattr(_LIBC, "malloc_trim", None)
    return trim is not None and trim(0) == 1


def change_priority(name: str, *, raising: bool) -> None:
    """Move this process by service ``name``'s :data:`NICENESS`, if it raises (or lowers) it.

    Every thread of the process moves: Linux keeps a niceness per thread. A raise that is
    refused (no ``CAP_SYS_NICE``) changes nothing.
    """
    niceness = NICENESS.get(name, 0)
    if niceness == 0 or (niceness < 0) != raising:
        return
    for task in os.listdir("/proc/self/task"):
        thread = int(task)
        with contextlib.suppress(PermissionError, ProcessLookupError):
            now = os.getpriority(os.PRIO_PROCESS, thread)
            os.setpriority(os.PRIO_PROCESS, thread, max(-20, min(19, now + niceness)))
