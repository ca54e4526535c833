"""A rule's trace in words: each condition's verdict and the wait between actions left."""

from __future__ import annotations

from datetime import datetime, timedelta

from actkit_events.domain.conditions import Value, describe, holds, is_stateless, show
from actkit_proto.events import Condition, ConditionTrace, RuleSpec


def condition_trace(condition: Condition, value: Value, *, is_trigger: bool) -> ConditionTrace:
    """One condition with its last value, whether it holds and why, in words."""
    if is_stateless(condition):
        return ConditionTrace(
            condition=condition,
            value="(a moment)",
            holds=False,
            is_trigger=is_trigger,
            description=describe(condition),
            verdict="a moment: it fires the rule when it happens, if the others hold then",
        )
    does_hold = holds(condition, value)
    if value is None:
        verdict = "does not hold: nothing was reported yet"
    elif does_hold:
        verdict = f"holds (value: {show(value)})"
    else:
        verdict = f"does not hold (value: {show(value)})"
    return ConditionTrace(
        condition=condition,
        value=show(value),
        holds=does_hold,
        is_trigger=is_trigger,
        description=describe(condition),
        verdict=verdict,
    )


def wait_left_s(spec: RuleSpec, last_activated_at: datetime | None, now: datetime) -> float | None:
    """How long the wait between actions still holds the rule back at ``now``; ``None`` if not."""
    if not spec.wait_between_actions_s or last_activated_at is None:
        return None
    ends = last_activated_at + timedelta(seconds=spec.wait_between_actions_s)
    left = (ends - now).total_seconds()
    return left if left > 0 else None
