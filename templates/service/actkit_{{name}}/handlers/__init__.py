"""The {{name}} service's handler table: one module per subject family beside this one."""

from __future__ import annotations

from actkit_core.bus import Handlers
from actkit_{{name}}.handlers.deps import Deps

__all__ = ["HANDLERS", "Deps"]

HANDLERS: Handlers[Deps] = {}
