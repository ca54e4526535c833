"""Rules io carries out itself: an input's edge holds an output with no bus hop between.

The events service owns the rules and decides which are this simple (see ``SetReflexes``); io
only follows them, under the same holder name the events service's ``HoldPort`` would use, so
the output's ownership rule (:class:`~actkit_io.domain.board.OutputDemand`) is unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from actkit_io.domain.board import Board, is_active
from actkit_proto.errors import Invalid
from actkit_proto.events import rule_holder
from actkit_proto.io import Direction, Reflex


def check(reflexes: list[Reflex], board: Board) -> None:
    """Refuse a list that names a port the board lacks or a rule twice.

    Directions are not checked: a port may be configured otherwise later, and a reflex whose
    input is not an input or whose output is not an output then does nothing.

    Raises:
        Invalid: the sentence names the rule and the port.
    """
    seen: set[int] = set()
    for reflex in reflexes:
        if reflex.rule_id in seen:
            raise Invalid(f"rule {reflex.rule_id} is listed twice; list each rule once")
        seen.add(reflex.rule_id)
        for port_id in (reflex.input_port_id, reflex.output_port_id):
            if port_id not in board.configs:
                raise Invalid(
                    f"rule {reflex.rule_id}: there is no port {port_id} on the {board.name} board"
                )


@dataclass
class ReflexTable:
    """The reflexes io follows, indexed by the input whose edges they follow."""

    by_rule: dict[int, Reflex] = field(default_factory=dict)
    by_input: defaultdict[int, list[Reflex]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, reflexes: Iterable[Reflex]) -> ReflexTable:
        found = cls()
        for reflex in sorted(reflexes, key=lambda reflex: reflex.rule_id):
            found.by_rule[reflex.rule_id] = reflex
            found.by_input[reflex.input_port_id].append(reflex)
        return found

    def on(self, port_id: int) -> list[Reflex]:
        """The reflexes that follow input ``port_id`` (index lookup, no scan)."""
        return self.by_input.get(port_id, [])

    def replace(self, new: ReflexTable, board: Board) -> set[int]:
        """Follow ``new`` from now on: let go of the holds of the ones gone, hold what is wanted.

        Returns the outputs whose demand may have changed.
        """
        touched: set[int] = set()
        for rule_id, old in self.by_rule.items():
            if new.by_rule.get(rule_id) != old:
                board.demands[old.output_port_id].holders.pop(rule_holder(rule_id), None)
                touched.add(old.output_port_id)
        self.by_rule, self.by_input = new.by_rule, new.by_input
        for reflex in self.by_rule.values():
            touched |= follow(board, reflex)
        return touched


def follow(board: Board, reflex: Reflex) -> set[int]:
    """Hold or let go of the reflex's output as its input reads now; the output, if it is one.

    A port configured otherwise since (the input now an output, or the output an input) is left
    alone: the reflex does nothing until it is configured back.
    """
    source = board.configs[reflex.input_port_id]
    target = board.configs[reflex.output_port_id]
    if source.direction is not Direction.INPUT or target.direction is not Direction.OUTPUT:
        return set()
    holders = board.demands[reflex.output_port_id].holders
    if is_active(board.circuit(reflex.input_port_id), source.normal_state) != reflex.is_inverted:
        holders[rule_holder(reflex.rule_id)] = reflex.is_active
    else:
        holders.pop(rule_holder(reflex.rule_id), None)
    return {reflex.output_port_id}
