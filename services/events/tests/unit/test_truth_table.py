"""The rule semantics of the README's truth table, row by row, on the pure engine."""

from datetime import UTC, datetime, timedelta

import pytest

from actkit_events.domain.conditions import BUTTON_KEY, input_key
from actkit_events.domain.rules import Engine, validate_rule
from actkit_proto.errors import Invalid
from actkit_proto.events import (
    BroadcastAction,
    ButtonCondition,
    HoldIoAction,
    InputCondition,
    LogKind,
    PulseIoAction,
    RuleSpec,
)

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
A, B = input_key(1), input_key(2)


def rule(
    *, trigger: bool = False, invert_a: bool = False, wait_s: int = 0, two: bool = True
) -> RuleSpec:
    conditions = [InputCondition(port_id=1, invert=invert_a)]
    if two:
        conditions.append(InputCondition(port_id=2))
    return RuleSpec(
        name="r",
        use_first_as_trigger=trigger,
        wait_between_actions_s=wait_s,
        conditions=conditions,
        action=HoldIoAction(port_id=9),
    )


def run(spec: RuleSpec, steps: list[tuple[str, bool]]) -> list[bool]:
    """Apply each (key, value) in turn; the rule's activity after each step."""
    engine = Engine()
    engine.put(1, spec)
    seen = []
    for number, (key, value) in enumerate(steps):
        engine.observe(key, value, T0 + timedelta(seconds=number))
        seen.append(engine.rules[1].is_active)
    return seen


# (case, rule, steps, activity after each step) -- the README's table.
TABLE = [
    ("all must hold: A then B", rule(), [(A, True), (B, True)], [False, True]),
    ("all must hold: A drops", rule(), [(A, True), (B, True), (A, False)], [False, True, False]),
    ("invert: A off counts", rule(invert_a=True), [(A, False), (B, True)], [False, True]),
    ("invert: A on stops it", rule(invert_a=True), [(B, True), (A, True)], [True, False]),
    ("trigger: rises while B holds", rule(trigger=True), [(B, True), (A, True)], [False, True]),
    (
        "trigger: A drops, stays",
        rule(trigger=True),
        [(B, True), (A, True), (A, False)],
        [False, True, True],
    ),
    (
        "trigger: B drops, ends",
        rule(trigger=True),
        [(B, True), (A, True), (B, False)],
        [False, True, False],
    ),
    ("trigger: A high before B", rule(trigger=True), [(A, True), (B, True)], [False, False]),
    (
        "trigger alone: follows A",
        rule(trigger=True, two=False),
        [(A, True), (A, False)],
        [True, False],
    ),
]


@pytest.mark.parametrize(
    ("spec", "steps", "expected"), [row[1:] for row in TABLE], ids=[row[0] for row in TABLE]
)
def test_truth_table(spec: RuleSpec, steps: list[tuple[str, bool]], expected: list[bool]) -> None:
    assert run(spec, steps) == expected


def test_wait_between_actions_suppresses_a_second_activation_inside_the_wait() -> None:
    engine = Engine()
    engine.put(1, rule(wait_s=10, two=False))
    kinds = []
    for seconds, value in [(0, True), (1, False), (5, True), (6, False), (12, True)]:
        kinds += [t.kind for t in engine.observe(A, value, T0 + timedelta(seconds=seconds))]
    assert kinds == [
        LogKind.ACTIVATED,
        LogKind.DEACTIVATED,
        LogKind.SUPPRESSED,
        LogKind.ACTIVATED,
    ]


def test_a_disabled_rule_never_activates() -> None:
    engine = Engine()
    engine.put(1, rule(two=False).model_copy(update={"is_enabled": False}))
    assert engine.observe(A, True, T0) == []


def test_a_stateless_condition_fires_a_moment_when_the_others_hold() -> None:
    spec = RuleSpec(
        name="lock",
        conditions=[ButtonCondition(), InputCondition(port_id=2)],
        action=PulseIoAction(port_id=9, duration_ms=100),
    )
    engine = Engine()
    engine.put(1, spec)
    assert engine.happen(BUTTON_KEY, True, T0) == []
    engine.observe(B, True, T0)
    [fired] = engine.happen(BUTTON_KEY, True, T0)
    assert fired.kind is LogKind.ACTIVATED and fired.is_momentary
    assert not engine.rules[1].is_active


def test_an_event_touches_only_the_rules_indexed_under_its_key() -> None:
    engine = Engine()
    for rule_id in range(1, 257):
        engine.put(
            rule_id,
            rule(two=False).model_copy(
                update={"conditions": [InputCondition(port_id=1 + rule_id % 8)]}
            ),
        )
    before = engine.evaluations
    engine.observe(input_key(3), True, T0)
    assert engine.evaluations - before == 32
    assert len(engine.watched_by(input_key(3))) == 32


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        (
            RuleSpec(
                name="x",
                conditions=[ButtonCondition(invert=True)],
                action=PulseIoAction(port_id=9, duration_ms=5),
            ),
            "cannot be inverted",
        ),
        (
            RuleSpec(name="x", conditions=[ButtonCondition()], action=HoldIoAction(port_id=9)),
            "use a 'once' action",
        ),
        (
            RuleSpec(
                name="x",
                conditions=[ButtonCondition(), ButtonCondition()],
                action=PulseIoAction(port_id=9, duration_ms=5),
            ),
            "at most one stateless",
        ),
        (
            RuleSpec(
                name="x",
                conditions=[InputCondition(port_id=1)],
                action=BroadcastAction(system_id=1, is_while_active=False),
            ),
            "needs duration_ms",
        ),
    ],
)
def test_rules_that_cannot_work_are_refused_with_a_reason(spec: RuleSpec, words: str) -> None:
    with pytest.raises(Invalid, match=words):
        validate_rule(spec)


def test_the_rules_holding_an_output_follow_each_put_and_remove() -> None:
    engine = Engine()
    engine.put(1, rule())
    engine.put(2, rule().model_copy(update={"action": HoldIoAction(port_id=5)}))
    engine.put(3, rule().model_copy(update={"action": PulseIoAction(port_id=9, duration_ms=100)}))
    assert [state.spec for state in engine.holding(9)] == [rule()]
    engine.put(1, rule().model_copy(update={"action": HoldIoAction(port_id=5)}))
    assert engine.holding(9) == []
    assert len(engine.holding(5)) == 2
    engine.remove(2)
    engine.remove(1)
    engine.remove(3)
    assert engine.holding(5) == []
    assert not engine.holds
