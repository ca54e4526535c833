"""Whether a rule can work here: its ports against the board, its MQTT filters too.

What cannot work is refused (a port the board does not have, an output action on an input,
tamper on an unsupervised input); what may not work yet is a warning (no subscription has the
filter yet: one can be added after the rule).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from actkit_proto.events import (
    HoldIoAction,
    InputCondition,
    MqttStatefulCondition,
    MqttStatelessCondition,
    PulseIoAction,
    RuleSpec,
    TamperCondition,
)
from actkit_proto.io import Direction


@dataclass(frozen=True)
class PortFacts:
    """What a rule needs to know of a port."""

    direction: Direction
    is_supervised: bool


@dataclass(frozen=True)
class Board:
    """The ports of the board io runs, by id, and its name."""

    name: str
    ports: Mapping[int, PortFacts]

    def named(self) -> str:
        return f"the {self.name}" if self.name else "this board"

    def listing(self) -> str:
        ids = sorted(self.ports)
        if ids and ids == list(range(ids[0], ids[-1] + 1)):
            return f"ports {ids[0]}-{ids[-1]}"
        return "ports " + ", ".join(str(port_id) for port_id in ids)

    def with_port(self, port_id: int, facts: PortFacts) -> Board:
        """The board with one port configured otherwise."""
        return replace(self, ports={**self.ports, port_id: facts})


@dataclass(frozen=True)
class SubscriptionFacts:
    """What a rule needs to know of an MQTT subscription."""

    filter: str
    is_stateful: bool


@dataclass(frozen=True)
class Findings:
    """Problems with a rule: ``refusals`` cannot work, ``warnings`` may not."""

    refusals: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def __add__(self, other: Findings) -> Findings:
        return Findings(self.refusals + other.refusals, self.warnings + other.warnings)


def uses_ports(spec: RuleSpec) -> bool:
    return any(isinstance(c, InputCondition | TamperCondition) for c in spec.conditions) or (
        isinstance(spec.action, HoldIoAction | PulseIoAction)
    )


def mqtt_conditions(spec: RuleSpec) -> list[MqttStatefulCondition | MqttStatelessCondition]:
    return [
        c for c in spec.conditions if isinstance(c, MqttStatefulCondition | MqttStatelessCondition)
    ]


def uses_port(spec: RuleSpec, port_id: int) -> bool:
    """Whether a condition or the action of the rule names ``port_id``."""
    named = [c.port_id for c in spec.conditions if isinstance(c, InputCondition | TamperCondition)]
    if isinstance(spec.action, HoldIoAction | PulseIoAction):
        named.append(spec.action.port_id)
    return port_id in named


def current_warnings(spec: RuleSpec, board: Board | None) -> list[str]:
    """Why a stored rule's ports may not work on ``board`` as it is now.

    What cannot work any more comes first; nothing is said while the board is not known.
    """
    if board is None or not uses_ports(spec):
        return []
    findings = check_ports(spec, board)
    return [*findings.refusals, *findings.warnings]


def check_ports(spec: RuleSpec, board: Board, only_port: int | None = None) -> Findings:
    """The rule's port conditions and I/O action against the board (or ``only_port`` of it)."""
    refusals: list[str] = []
    warnings: list[str] = []
    for condition in spec.conditions:
        if isinstance(condition, InputCondition | TamperCondition) and only_port in (
            None,
            condition.port_id,
        ):
            _check_condition(condition, board, refusals, warnings)
    action = spec.action
    if isinstance(action, HoldIoAction | PulseIoAction) and only_port in (None, action.port_id):
        port = board.ports.get(action.port_id)
        if port is None:
            refusals.append(_missing(action.port_id, board))
        elif port.direction is not Direction.OUTPUT:
            refusals.append(
                f"port {action.port_id} of {board.named()} is an input and an I/O action needs "
                "an output: set its direction to output first (I/O ports)"
            )
    return Findings(tuple(refusals), tuple(warnings))


def _check_condition(
    condition: InputCondition | TamperCondition,
    board: Board,
    refusals: list[str],
    warnings: list[str],
) -> None:
    port_id = condition.port_id
    port = board.ports.get(port_id)
    if port is None:
        refusals.append(_missing(port_id, board))
    elif isinstance(condition, TamperCondition) and not port.is_supervised:
        what = "an output" if port.direction is Direction.OUTPUT else "not supervised"
        refusals.append(
            f"port {port_id} of {board.named()} is {what}, so it is never tampered with: make "
            "it a supervised input first (I/O ports)"
        )
    elif isinstance(condition, InputCondition) and port.direction is Direction.OUTPUT:
        # An output's own state does change, so the rule can work, but rarely as meant.
        warnings.append(
            f"port {port_id} of {board.named()} is an output: the condition follows what the "
            "device drives on it, not a wired input"
        )


def _missing(port_id: int, board: Board) -> str:
    return f"{board.named()} has no port {port_id}; its {board.listing()}"


def check_subscriptions(
    conditions: Iterable[MqttStatefulCondition | MqttStatelessCondition],
    subscriptions: Iterable[SubscriptionFacts],
) -> Findings:
    """The rule's MQTT conditions against the subscriptions: each needs one with its filter."""
    by_filter = {s.filter: s for s in subscriptions}
    warnings: list[str] = []
    for condition in conditions:
        wanted = condition.subscription
        is_stateful = isinstance(condition, MqttStatefulCondition)
        kind = "stateful" if is_stateful else "stateless"
        found = by_filter.get(wanted)
        if found is None:
            covering = sorted(f for f in by_filter if filter_matches(f, wanted))
            hint = (
                f"; messages on it arrive under the subscription {covering[0]!r}: name that"
                if covering
                else f"; add a {kind} subscription with this filter (MQTT subscriptions)"
            )
            warnings.append(f"no MQTT subscription has the filter {wanted!r} yet" + hint)
        elif found.is_stateful != is_stateful:
            other = "stateful" if found.is_stateful else "stateless"
            warnings.append(
                f"the MQTT subscription {wanted!r} is {other}, so a {kind} condition never "
                f"sees its messages; make the subscription {kind}"
            )
    return Findings(warnings=tuple(warnings))


def filter_matches(topic_filter: str, topic: str) -> bool:
    """Whether an MQTT topic filter (``+`` one level, ``#`` the rest) matches ``topic``.

    >>> filter_matches("cars/+/door", "cars/7/door"), filter_matches("cars/#", "cars")
    (True, True)
    """
    wanted = topic_filter.split("/")
    levels = topic.split("/")
    for position, part in enumerate(wanted):
        if part == "#":
            return True
        if position >= len(levels) or part not in ("+", levels[position]):
            return False
    return len(wanted) == len(levels)
