"""Rules: validation, and the engine that turns condition values into rule activity.

The engine keeps the last value under each key and an index from key to the rules that watch
it, so a value change touches only those rules. It returns what happened as ``Transition``s;
carrying out the actions is the caller's job.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from actkit_events.domain.conditions import (
    Value,
    describe,
    holds,
    holds_test,
    is_stateless,
    key_of,
    show,
)
from actkit_events.domain.trace import condition_trace, wait_left_s
from actkit_proto.errors import Invalid, NotFound
from actkit_proto.events import (
    WHILE_ACTIVE_ACTIONS,
    BeaconCondition,
    BroadcastAction,
    Condition,
    FailedAction,
    HoldIoAction,
    LogKind,
    ManualCondition,
    RuleSpec,
    RuleTrace,
)


def validate_rule(spec: RuleSpec) -> None:
    """Refuse a rule whose conditions and action cannot work together.

    Raises:
        Invalid: with a sentence saying what to change.
    """
    moments = [c for c in spec.conditions if is_stateless(c)]
    if len(moments) > 1:
        raise Invalid(
            "a rule can have at most one stateless condition (button, stateless MQTT, pulse): "
            "two moments never happen at the same instant"
        )
    if any(c.invert for c in moments):
        raise Invalid("a stateless condition cannot be inverted: it is a moment, not a state")
    if moments and spec.use_first_as_trigger and not is_stateless(spec.conditions[0]):
        raise Invalid(
            "with a stateless condition, that condition is the trigger: "
            "put it first or turn off 'use as trigger'"
        )
    action = spec.action
    is_while_active = action.type in WHILE_ACTIVE_ACTIONS and not (
        isinstance(action, BroadcastAction) and not action.is_while_active
    )
    if moments and is_while_active:
        raise Invalid(
            f"the action {action.type!r} lasts while the rule is active, but a rule with a "
            "stateless condition is only active for a moment; use a 'once' action"
        )
    if (
        isinstance(action, BroadcastAction)
        and not action.is_while_active
        and not action.duration_ms
    ):
        raise Invalid("a broadcast sent once needs duration_ms")


@dataclass(frozen=True)
class Transition:
    """What happened to a rule: activated, deactivated, or an activation suppressed."""

    rule_id: int
    spec: RuleSpec
    kind: LogKind
    at: datetime
    reason: str
    is_momentary: bool = False
    """An activation by a stateless condition: the rule is active only for that moment."""


Blocker = tuple[Condition, Value]
"""The first condition that does not hold, and its value."""


@dataclass
class RuleState:
    spec: RuleSpec
    is_active: bool = False
    last_activated_at: datetime | None = None
    reason_text: str = "not evaluated yet"
    blocker: Blocker | None = None
    is_waiting_for_trigger: bool = False
    keys: tuple[str, ...] = ()
    """Each condition's key, worked out once when the rule is put."""
    has_moment: bool = False
    """A stateless condition makes the rule fire for moments only."""
    retry_at: datetime | None = None
    """When the wait between actions that suppressed an activation ends: the rule is evaluated
    again then, since values that still hold send no new report to evaluate it on."""
    last_failure: FailedAction | None = None
    states: tuple[tuple[int, str, Condition, Callable[[Value], bool]], ...] = ()
    """The stateful conditions: position, key, condition and its test, worked out once."""

    def __post_init__(self) -> None:
        self.keys = tuple(key_of(c) for c in self.spec.conditions)
        self.has_moment = any(is_stateless(c) for c in self.spec.conditions)
        self.states = tuple(
            (position, self.keys[position], condition, holds_test(condition))
            for position, condition in enumerate(self.spec.conditions)
            if not is_stateless(condition)
        )

    # Reasons are put into words only when asked for (trace, transitions): the hot path
    # records which condition blocks, not a sentence.
    @property
    def last_reason(self) -> str:
        if self.blocker is not None:
            return because(self.blocker)
        if self.is_waiting_for_trigger:
            return f"waiting for the trigger: {describe(self.spec.conditions[0])}"
        return self.reason_text

    @last_reason.setter
    def last_reason(self, text: str) -> None:
        self.reason_text = text
        self.blocker = None
        self.is_waiting_for_trigger = False


def because(blocker: Blocker) -> str:
    condition, value = blocker
    return f"{describe(condition)} does not hold (value: {show(value)})"


@dataclass
class Engine:
    """Every rule's activity, the last value under each key, and the key -> rules index."""

    rules: dict[int, RuleState] = field(default_factory=dict)
    values: dict[str, Value] = field(default_factory=dict)
    index: defaultdict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    holds: defaultdict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    """The rules whose action holds an output, by the output's port."""
    evaluations: int = 0

    def rule(self, rule_id: int) -> RuleState:
        """The state of ``rule_id``.

        Raises:
            NotFound: no such rule.
        """
        try:
            return self.rules[rule_id]
        except KeyError:
            raise NotFound(f"there is no rule {rule_id}") from None

    def watched_by(self, key: str) -> set[int]:
        """The rules that watch ``key`` (index lookup, no scan)."""
        return self.index.get(key, set())

    def holding(self, port_id: int) -> list[RuleState]:
        """The rules whose action holds output ``port_id`` (index lookup, no scan)."""
        return [self.rules[rule_id] for rule_id in self.holds.get(port_id, ())]

    def put(self, rule_id: int, spec: RuleSpec, *, is_active: bool = False) -> None:
        """Add or replace a rule (inactive unless restored as active) and index its keys."""
        self.remove(rule_id)
        self.rules[rule_id] = RuleState(spec, is_active=is_active and spec.is_enabled)
        for key in self.rules[rule_id].keys:
            self.index[key].add(rule_id)
        if isinstance(spec.action, HoldIoAction):
            self.holds[spec.action.port_id].add(rule_id)

    def remove(self, rule_id: int) -> None:
        state = self.rules.pop(rule_id, None)
        if state is None:
            return
        for key in state.keys:
            self.index[key].discard(rule_id)
            if not self.index[key]:
                del self.index[key]
        if isinstance(state.spec.action, HoldIoAction):
            holders = self.holds[state.spec.action.port_id]
            holders.discard(rule_id)
            if not holders:
                del self.holds[state.spec.action.port_id]

    def beacon_system_ids(self) -> set[int]:
        """The System IDs whose beacons the rules' conditions wait for."""
        return {
            condition.system_id
            for state in self.rules.values()
            for condition in state.spec.conditions
            if isinstance(condition, BeaconCondition)
        }

    def manual_triggers(self) -> dict[int, list[int]]:
        """Each manual trigger the rules' conditions use, with the rules that use it, by id."""
        users: defaultdict[int, set[int]] = defaultdict(set)
        for rule_id, state in self.rules.items():
            for condition in state.spec.conditions:
                if isinstance(condition, ManualCondition):
                    users[condition.trigger_id].add(rule_id)
        return {trigger_id: sorted(users[trigger_id]) for trigger_id in sorted(users)}

    def deactivate(self, rule_id: int, now: datetime, reason: str) -> list[Transition]:
        """End a rule's activity (it was edited, turned off or deleted)."""
        state = self.rule(rule_id)
        if not state.is_active:
            return []
        state.is_active = False
        state.last_reason = reason
        return [Transition(rule_id, state.spec, LogKind.DEACTIVATED, now, reason)]

    def observe(self, key: str, value: Value, now: datetime) -> list[Transition]:
        """A stateful value changed: re-evaluate the rules that watch it."""
        old = self.values.get(key)
        self.values[key] = value
        if old == value:
            return []
        found: list[Transition] = []
        for rule_id in sorted(self.watched_by(key)):
            state = self.rules[rule_id]
            first = state.spec.conditions[0]
            has_risen = (
                state.spec.use_first_as_trigger
                and state.keys[0] == key
                and holds(first, value)
                and not holds(first, old)
            )
            found.extend(self._evaluate(rule_id, state, now, has_risen=has_risen))
        return found

    def happen(self, key: str, value: Value, now: datetime) -> list[Transition]:
        """A moment (button, stateless message, pulse): fire the rules whose others hold."""
        found: list[Transition] = []
        for rule_id in sorted(self.watched_by(key)):
            state = self.rules[rule_id]
            self.evaluations += 1
            if not state.spec.is_enabled:
                continue
            moment = next(c for c in state.spec.conditions if is_stateless(c))
            if key_of(moment) != key or not holds(moment, value):
                continue
            blocker = self._blocker(state, skip_trigger=False)
            if blocker:
                state.last_reason = f"{describe(moment)} happened, but {because(blocker)}"
                continue
            found.extend(self._activate(rule_id, state, now, describe(moment), momentary=True))
        return found

    def reevaluate(self, rule_id: int, now: datetime) -> list[Transition]:
        """Evaluate one rule on the current values (after it was added or changed)."""
        return self._evaluate(rule_id, self.rule(rule_id), now, has_risen=False)

    def retry(self, now: datetime) -> list[Transition]:
        """Evaluate again the rules whose wait between actions ended by ``now``.

        A trigger that rose during the wait counts as rising now if it still holds: the edge
        was seen, only its action had to wait.
        """
        found: list[Transition] = []
        for rule_id, state in sorted(self.rules.items()):
            if state.retry_at is None or state.retry_at > now:
                continue
            state.retry_at = None
            first = state.spec.conditions[0]
            has_risen = holds(first, self.values.get(state.keys[0]))
            found.extend(self._evaluate(rule_id, state, now, has_risen=has_risen))
        return found

    def next_retry(self) -> datetime | None:
        """When the earliest suppressed rule is evaluated again."""
        return min(
            (s.retry_at for s in self.rules.values() if s.retry_at is not None), default=None
        )

    def settle(self, now: datetime) -> list[Transition]:
        """Evaluate every rule once, after start-up has read the current values."""
        found: list[Transition] = []
        for rule_id, state in sorted(self.rules.items()):
            found.extend(self._evaluate(rule_id, state, now, has_risen=False))
        return found

    def _blocker(self, state: RuleState, *, skip_trigger: bool) -> Blocker | None:
        """The first stateful condition that does not hold; ``None`` when all hold."""
        values = self.values
        for position, key, condition, test in state.states:
            if position == 0 and skip_trigger:
                continue
            value = values.get(key)
            if not test(value):
                return condition, value
        return None

    def _evaluate(
        self, rule_id: int, state: RuleState, now: datetime, *, has_risen: bool
    ) -> list[Transition]:
        self.evaluations += 1
        spec = state.spec
        if not spec.is_enabled or state.has_moment:
            return []
        is_triggered = spec.use_first_as_trigger and len(spec.conditions) > 1
        if not is_triggered:
            blocker = self._blocker(state, skip_trigger=False)
            if blocker:
                return self._block(rule_id, state, now, blocker)
            if state.is_active:
                return []
            return self._activate(rule_id, state, now, "every condition holds")
        blocker = self._blocker(state, skip_trigger=True)
        if blocker:
            return self._block(rule_id, state, now, blocker)
        if state.is_active:
            return []
        trigger = spec.conditions[0]
        if not has_risen:
            state.blocker = None
            state.is_waiting_for_trigger = True
            return []
        return self._activate(
            rule_id, state, now, f"triggered by {describe(trigger)}; the others hold"
        )

    def _block(
        self, rule_id: int, state: RuleState, now: datetime, blocker: Blocker
    ) -> list[Transition]:
        found = self.deactivate(rule_id, now, because(blocker)) if state.is_active else []
        state.blocker = blocker
        state.is_waiting_for_trigger = False
        return found

    def _activate(
        self, rule_id: int, state: RuleState, now: datetime, reason: str, *, momentary: bool = False
    ) -> list[Transition]:
        wait = timedelta(seconds=state.spec.wait_between_actions_s)
        last = state.last_activated_at
        if wait and last is not None and now - last < wait:
            left = (wait - (now - last)).total_seconds()
            if momentary:
                # A moment is over when the wait ends: there is nothing left to act on.
                state.last_reason = f"{reason}, but wait between actions had {left:.0f} s left"
            else:
                state.retry_at = last + wait
                state.last_reason = (
                    f"{reason}, but wait between actions has {left:.0f} s left; "
                    "it acts then if its conditions still hold"
                )
            return [Transition(rule_id, state.spec, LogKind.SUPPRESSED, now, state.last_reason)]
        state.retry_at = None
        state.last_activated_at = now
        state.last_reason = reason
        state.is_active = not momentary
        return [Transition(rule_id, state.spec, LogKind.ACTIVATED, now, reason, momentary)]

    def record_failure(self, rule_id: int, action: str, error: str, at: datetime) -> None:
        """Keep a rule's last failed action for its trace (a rule deleted meanwhile: nothing)."""
        state = self.rules.get(rule_id)
        if state is not None:
            state.last_failure = FailedAction(action=action, error=error, at=at)

    def trace(self, rule_id: int, now: datetime) -> RuleTrace:
        """Every condition's value and verdict, the wait left, and why the rule is (not) active."""
        state = self.rule(rule_id)
        spec = state.spec
        conditions = [
            condition_trace(
                condition,
                self.values.get(key_of(condition)),
                is_trigger=position == 0 and spec.use_first_as_trigger,
            )
            for position, condition in enumerate(spec.conditions)
        ]
        if not spec.is_enabled:
            reason = "the rule is turned off"
        elif state.is_active:
            reason = f"active: {state.last_reason}"
        else:
            reason = f"not active: {state.last_reason}"
        return RuleTrace(
            rule_id=rule_id,
            is_enabled=spec.is_enabled,
            is_active=state.is_active,
            conditions=conditions,
            last_activated_at=state.last_activated_at,
            reason=reason,
            wait_left_s=wait_left_s(spec, state.last_activated_at, now),
            last_failure=state.last_failure,
        )
