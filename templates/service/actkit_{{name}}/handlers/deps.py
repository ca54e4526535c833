"""What every handler of the {{name}} service is given."""

from __future__ import annotations

from dataclasses import dataclass

from actkit_core.bus import Publisher


@dataclass(frozen=True)
class Deps:
    bus: Publisher
