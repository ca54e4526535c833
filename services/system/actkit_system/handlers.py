"""The system service's message handlers and its handler table."""

from __future__ import annotations

from dataclasses import dataclass

from actkit_core.bus import Handlers, Publisher


@dataclass(frozen=True)
class Deps:
    bus: Publisher


HANDLERS: Handlers[Deps] = {}
