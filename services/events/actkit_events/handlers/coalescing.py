"""The engine's intake under a flood: which events wait newest-first while it is behind."""

from __future__ import annotations

from actkit_core.coalescing import Coalescing, Reduce
from actkit_events.domain.coalescing import kept_positions
from actkit_events.handlers.deps import Deps
from actkit_events.handlers.reactions import STATES
from actkit_proto.base import Event
from actkit_proto.errors import BusError


def coalescing(deps: Deps, limit: int) -> Coalescing:
    """Every stateful event rules follow (``STATES``); moments and commands stay exact."""
    return Coalescing({event_type: _reducer(event_type, deps) for event_type in STATES}, limit)


def _reducer(event_type: type[Event], deps: Deps) -> Reduce:
    state_of = STATES[event_type]

    def reduce(subject: str, payloads: list[bytes]) -> list[int]:
        try:
            states = [state_of(event_type.from_wire(subject, data)) for data in payloads]
        except BusError:
            return list(range(len(payloads)))  # each malformed one is refused and logged
        key = states[-1][0]
        return kept_positions(deps.engine, key, [value for _, value in states])

    return reduce
