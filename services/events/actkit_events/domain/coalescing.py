"""Which waiting values of a key the engine may skip for newer ones without changing a rule's end.

While the engine is behind, the values that wait under one key (a port's state, the ignition, a
stateful MQTT topic, a beacon's presence) are cut down to what decides where each rule watching
it ends: the newest value, and for a trigger on the key its first two changes (so it still sees
a rise and a drop if there was one). A rule that acts once per activation (a pulse,
an MQTT message, a notification, a broadcast sent once) must see every change, so its key keeps
every value while that rule could fire, that is while its other conditions all hold.
"""

from __future__ import annotations

from collections.abc import Sequence

from actkit_events.domain.conditions import Value, holds, is_stateless
from actkit_events.domain.rules import Engine, RuleState
from actkit_proto.events import WHILE_ACTIVE_ACTIONS, BroadcastAction, RuleSpec


def lasts(spec: RuleSpec) -> bool:
    """Whether the rule's action lasts while it is active (a hold, a broadcast while active)."""
    action = spec.action
    if isinstance(action, BroadcastAction):
        return action.is_while_active
    return action.type in WHILE_ACTIVE_ACTIONS


def may_coalesce(engine: Engine, key: str) -> bool:
    """Whether skipping values of ``key`` leaves every rule watching it as it would end.

    Not while a rule that acts once per activation watches the key and could fire: each
    change may be one more pulse, message or notification.
    """
    return all(
        _ends_alike(engine, key, engine.rules[rule_id]) for rule_id in engine.watched_by(key)
    )


def _ends_alike(engine: Engine, key: str, state: RuleState) -> bool:
    if not state.spec.is_enabled or state.has_moment or lasts(state.spec):
        return True
    # Another condition that does not hold now keeps the rule from firing on any of the values.
    return any(
        other != key
        and not is_stateless(condition)
        and not holds(condition, engine.values.get(other))
        for condition, other in zip(state.spec.conditions, state.keys, strict=True)
    )


def kept_positions(engine: Engine, key: str, values: Sequence[Value]) -> list[int]:
    """The positions of ``values`` (oldest first) the engine must see, the newest last.

    A level rule ends where the newest value puts it. A trigger (the first condition of a rule
    that uses it as one) also needs its first two changes: a rise among the skipped values
    activates the rule even if the newest value has dropped again.
    """
    if not may_coalesce(engine, key):
        return list(range(len(values)))
    triggers = []
    for rule_id in engine.watched_by(key):
        state = engine.rules[rule_id]
        trigger = state.spec.conditions[0]
        is_trigger = state.spec.use_first_as_trigger and len(state.spec.conditions) > 1
        if is_trigger and state.keys[0] == key and trigger not in triggers:
            triggers.append(trigger)
    kept = {len(values) - 1}
    current = engine.values.get(key)
    for condition in triggers:
        was = holds(condition, current)
        changes = 0
        for position, value in enumerate(values):
            if holds(condition, value) != was:
                was = not was
                kept.add(position)
                changes += 1
                if changes == 2:
                    break
    return sorted(kept)
