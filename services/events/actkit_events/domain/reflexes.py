"""Which rules io carries out itself, as it records the input's edge (``SetReflexes``).

A rule "while input N is active (or inactive), hold output M" needs nothing io does not know
already: io holds the output as the edge comes, one process and two bus hops fewer than the
events service commanding it. The events service still evaluates the rule, logs it and tells
its activity; it only sends no ``HoldPort`` or ``ReleasePort`` for it while io has its reflex.
"""

from __future__ import annotations

from actkit_events.domain.checks import Board
from actkit_events.domain.rules import Engine
from actkit_proto.events import HoldIoAction, InputCondition, RuleSpec
from actkit_proto.io import Direction, Reflex


def reflex_of(rule_id: int, spec: RuleSpec) -> Reflex | None:
    """The reflex that carries out the rule, when it is that simple; ``None`` otherwise.

    That is: turned on, no wait between actions, one condition on an input (inverted or not)
    and an action that holds an output while the rule is active. With one condition, "use as
    trigger" changes nothing.
    """
    action = spec.action
    if (
        not spec.is_enabled
        or spec.wait_between_actions_s
        or len(spec.conditions) != 1
        or not isinstance(action, HoldIoAction)
    ):
        return None
    [condition] = spec.conditions
    if not isinstance(condition, InputCondition):
        return None
    return Reflex(
        rule_id=rule_id,
        input_port_id=condition.port_id,
        is_inverted=condition.invert,
        output_port_id=action.port_id,
        is_active=action.is_active,
    )


def wanted_reflexes(engine: Engine, board: Board | None) -> dict[int, Reflex]:
    """Every rule's reflex whose ports are an input and an output on the board as io told it.

    An input condition on an output follows what the output does, which io's inputs' edges do
    not tell: such a rule stays with the events service, as does every rule while the board is
    not known.
    """
    if board is None:
        return {}
    wanted = {}
    for rule_id, state in engine.rules.items():
        reflex = reflex_of(rule_id, state.spec)
        if reflex is None:
            continue
        source = board.ports.get(reflex.input_port_id)
        target = board.ports.get(reflex.output_port_id)
        if (
            source is not None
            and target is not None
            and source.direction is Direction.INPUT
            and target.direction is Direction.OUTPUT
        ):
            wanted[rule_id] = reflex
    return wanted
