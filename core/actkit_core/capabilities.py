"""Linux capabilities a service keeps when it gives up root: the few it needs, nothing else.

On the board the container ``actkit`` shares the vehicle's network (``network_mode: host``): the
web service listens on ports 80, 443 and 554 there, which needs ``CAP_NET_BIND_SERVICE`` once it
runs as an unprivileged user. A uid change from root clears every capability unless the process
asked to keep them (``PR_SET_KEEPCAPS``); it then keeps the permitted ones, and :func:`limit_to`
narrows them to the named ones, effective now and ambient (kept over ``exec`` of a program).
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterable
from pathlib import Path

CAP_NET_BIND_SERVICE = 10
CAP_NET_ADMIN = 12
_CAPABILITY_VERSION_3 = 0x20080522
_PR_SET_KEEPCAPS = 8
_PR_CAP_AMBIENT = 47
_PR_CAP_AMBIENT_RAISE = 2


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


_libc = ctypes.CDLL(None, use_errno=True)


def _checked(result: int) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))


def _prctl(option: int, value: int, argument: int = 0) -> None:
    zero = ctypes.c_ulong(0)
    _checked(
        _libc.prctl(
            ctypes.c_int(option), ctypes.c_ulong(value), ctypes.c_ulong(argument), zero, zero
        )
    )


def mask(field: str = "CapEff", status: Path = Path("/proc/self/status")) -> int:
    """One of this process's capability sets as a bit mask (``CapEff``, ``CapPrm``, ``CapAmb``)."""
    for line in status.read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1], 16)
    raise ValueError(f"{status} has no {field}")


def keep_over_uid_change(keep: bool = True) -> None:
    """Keep the permitted capabilities over the coming ``setuid`` (or not)."""
    _prctl(_PR_SET_KEEPCAPS, int(keep))


def limit_to(capabilities: Iterable[int]) -> None:
    """Have ``capabilities`` alone (those this process still permits): effective and ambient.

    Called after the uid change that :func:`keep_over_uid_change` prepared; the others are gone
    for good (not even permitted), and a later uid change clears these too.
    """
    permitted = mask("CapPrm")
    kept = [capability for capability in capabilities if permitted & (1 << capability)]
    bits = sum(1 << capability for capability in kept)
    header = _Header(_CAPABILITY_VERSION_3, 0)
    data = (_Data * 2)(_Data(bits, bits, bits), _Data(0, 0, 0))
    _checked(_libc.capset(ctypes.byref(header), data))
    keep_over_uid_change(False)
    for capability in kept:
        _prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_RAISE, capability)
