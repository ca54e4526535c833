"""Child processes that do not outlive their parent, whatever way the parent ends."""

from __future__ import annotations

import ctypes
import ctypes.util
import signal

PR_SET_PDEATHSIG = 1
"""prctl(2): the signal the kernel sends this process when the thread that made it exits."""

_LIBC = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
# Loaded here, in the parent: a child between fork and exec must not load libraries.


def stop_with_parent() -> None:
    """Ask the kernel for SIGTERM when the parent goes, even if it is killed (Linux only).

    Call it in the child: a forked service, or a ``preexec_fn`` before exec. A clean stop by the
    parent (SIGTERM, then wait) does not depend on it; this covers the parent being killed.
    """
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
