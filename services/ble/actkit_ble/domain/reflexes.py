"""Rules ble carries out itself: an input's change starts or stops a beacon, no events hop between.

The events service owns the rules and decides which are this simple (see ``SetBeaconReflexes``);
ble only follows them, under the broadcaster name the events service's ``StartBroadcast`` would
use, so who asks for which beacon (:class:`~actkit_ble.domain.broadcasts.Broadcasts`) is unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from actkit_proto.ble import BeaconReflex
from actkit_proto.errors import Invalid


def check(reflexes: list[BeaconReflex]) -> None:
    """Refuse a list that names a rule twice.

    Raises:
        Invalid: the sentence names the rule.
    """
    seen: set[int] = set()
    for reflex in reflexes:
        if reflex.rule_id in seen:
            raise Invalid(f"rule {reflex.rule_id} is listed twice; list each rule once")
        seen.add(reflex.rule_id)


@dataclass
class BeaconReflexTable:
    """The reflexes ble follows, by the input they follow, and the inputs as io told them."""

    by_rule: dict[int, BeaconReflex] = field(default_factory=dict)
    by_input: defaultdict[int, list[BeaconReflex]] = field(
        default_factory=lambda: defaultdict(list)
    )
    inputs: dict[int, bool] = field(default_factory=dict)
    """Whether each input is active, as io last told it."""
    told: set[int] = field(default_factory=set)
    """The inputs a change told since the start: newer than what the bucket may still keep."""

    def on(self, port_id: int) -> list[BeaconReflex]:
        """The reflexes that follow input ``port_id`` (index lookup, no scan)."""
        return self.by_input.get(port_id, [])

    def wants(self, reflex: BeaconReflex) -> bool:
        """Whether the reflex's condition holds: its input active, or inactive when inverted.

        An input io has not told yet counts as inactive, as the events service's engine has it.
        """
        return self.inputs.get(reflex.input_port_id, False) != reflex.is_inverted

    def replace(self, reflexes: Iterable[BeaconReflex]) -> list[BeaconReflex]:
        """Follow ``reflexes`` from now on; the ones gone or changed, whose requests end."""
        new = {reflex.rule_id: reflex for reflex in reflexes}
        gone = [old for rule_id, old in self.by_rule.items() if new.get(rule_id) != old]
        self.by_rule = dict(sorted(new.items()))
        self.by_input = defaultdict(list)
        for reflex in self.by_rule.values():
            self.by_input[reflex.input_port_id].append(reflex)
        return gone
