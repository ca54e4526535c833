"""Which rules io and ble carry out themselves as an input changes (``io.reflexes.set``, ...).

A rule "while input N is active (or inactive), hold output M" needs nothing io does not know
already: io holds the output as it records the edge, one process and two bus hops fewer than the
events service commanding it. A rule "while input N is active, broadcast the beacon of a System
ID" is ble's the same way: ble follows io's input changes itself. The events service still
evaluates such a rule, logs it and tells its activity; it only sends no hold or broadcast
command for it while its owner follows it.
"""

from __future__ import annotations

from collections.abc import Mapping

from actkit_events.domain.checks import Board, PortFacts
from actkit_events.domain.rules import Engine
from actkit_proto.ble import BeaconReflex
from actkit_proto.events import BroadcastAction, HoldIoAction, InputCondition, RuleSpec
from actkit_proto.io import Direction, Reflex


def _only_input(spec: RuleSpec) -> InputCondition | None:
    """The rule's one condition when that is an input and nothing else shapes the rule.

    That is: turned on, no wait between actions, one condition on an input (inverted or not).
    With one condition, "use as trigger" changes nothing.
    """
    if not spec.is_enabled or spec.wait_between_actions_s or len(spec.conditions) != 1:
        return None
    [condition] = spec.conditions
    return condition if isinstance(condition, InputCondition) else None


def reflex_of(rule_id: int, spec: RuleSpec) -> Reflex | None:
    """Io's reflex for a rule that holds an output while its one input condition holds."""
    condition, action = _only_input(spec), spec.action
    if condition is None or not isinstance(action, HoldIoAction):
        return None
    return Reflex(
        rule_id=rule_id,
        input_port_id=condition.port_id,
        is_inverted=condition.invert,
        output_port_id=action.port_id,
        is_active=action.is_active,
    )


def beacon_reflex_of(rule_id: int, spec: RuleSpec) -> BeaconReflex | None:
    """Ble's reflex for a rule that broadcasts while its one input condition holds."""
    condition, action = _only_input(spec), spec.action
    if condition is None or not isinstance(action, BroadcastAction) or not action.is_while_active:
        return None
    return BeaconReflex(
        rule_id=rule_id,
        input_port_id=condition.port_id,
        is_inverted=condition.invert,
        system_id=action.system_id,
        message_type=action.message_type,
    )


def _is(ports: Mapping[int, PortFacts], port_id: int, direction: Direction) -> bool:
    facts = ports.get(port_id)
    return facts is not None and facts.direction is direction


def wanted_reflexes(engine: Engine, board: Board | None) -> dict[int, Reflex]:
    """Every rule's io reflex whose ports are an input and an output on the board as io told it.

    An input condition on an output follows what the output does, which io's inputs' edges do
    not tell: such a rule stays with the events service, as does every rule while the board is
    not known.
    """
    if board is None:
        return {}
    wanted = {}
    for rule_id, state in engine.rules.items():
        reflex = reflex_of(rule_id, state.spec)
        if (
            reflex is not None
            and _is(board.ports, reflex.input_port_id, Direction.INPUT)
            and _is(board.ports, reflex.output_port_id, Direction.OUTPUT)
        ):
            wanted[rule_id] = reflex
    return wanted


def wanted_beacon_reflexes(engine: Engine, board: Board | None) -> dict[int, BeaconReflex]:
    """Every rule's ble reflex whose port is an input on the board as io told it."""
    if board is None:
        return {}
    wanted = {}
    for rule_id, state in engine.rules.items():
        reflex = beacon_reflex_of(rule_id, state.spec)
        if reflex is not None and _is(board.ports, reflex.input_port_id, Direction.INPUT):
            wanted[rule_id] = reflex
    return wanted
