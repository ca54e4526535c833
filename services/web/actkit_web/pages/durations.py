"""Durations as the manual writes them: a wait as ``hh:mm:ss``, a pulse as ``10 s`` or ``500 ms``.

Each reader gives the contract's number, or what was typed when it reads as neither, so that
the page refuses it with a sentence saying how to write it.
"""

from __future__ import annotations

import re

_MS = re.compile(r"^(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>ms|s)?$")


def seconds_of(typed: object) -> object:
    """A wait typed as the manual writes it (``hh:mm:ss``, ``mm:ss``) or in seconds, in seconds.

    Anything else is left as typed, for the contract to refuse with a sentence naming the field.
    """
    text = typed.strip() if isinstance(typed, str) else ""
    parts = text.split(":")
    if not text:
        return 0
    if len(parts) > 3 or not all(part.isdigit() for part in parts):
        return text
    if any(int(part) >= 60 for part in parts[1:]):
        return text
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + int(part)
    return seconds


def hh_mm_ss(seconds: int) -> str:
    """Seconds as the manual writes a wait: ``00:01:30``."""
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def ms_of(typed: str) -> int | str:
    """A duration typed as ``10 s``, ``1.5 s``, ``500 ms`` or a number of milliseconds, in ms.

    >>> [ms_of(typed) for typed in ("10 s", "1.5s", "500 ms", "250", "soon")]
    [10000, 1500, 500, 250, 'soon']
    """
    found = _MS.match(typed.strip())
    if found is None:
        return typed
    number = float(found["number"])
    return round(number * 1000) if found["unit"] == "s" else round(number)


def ms_text(ms: int) -> str:
    """Milliseconds as the manual writes them: whole seconds as ``10 s``, else ``500 ms``."""
    return f"{ms // 1000} s" if ms % 1000 == 0 else f"{ms} ms"
