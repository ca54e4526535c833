"""Rules checked against what the device has: io's board and mqtt's subscriptions.

A rule is checked when it is created or changed, by asking the owners; when io reports that a
port was configured otherwise, the rules that use the port are checked again and what no longer
works is said in the service log and the event log, naming the rule. The board is kept as io
told it, so a rule's answer (get, list) says what its ports are found to be now.
"""

from __future__ import annotations

import logging

from actkit_events.domain.checks import (
    Board,
    Findings,
    PortFacts,
    SubscriptionFacts,
    check_ports,
    check_subscriptions,
    mqtt_conditions,
    uses_port,
    uses_ports,
)
from actkit_events.handlers.deps import Deps
from actkit_proto import BusError, Invalid
from actkit_proto.events import LogKind, RuleSpec
from actkit_proto.io import ListPorts, PortConfigured, PortList
from actkit_proto.mqtt import ListSubscriptions

log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 1.0
"""A slow owner delays the person saving the rule: it is better to warn than to wait long."""


async def check_rule(spec: RuleSpec, deps: Deps) -> list[str]:
    """The warnings of a rule that can work; owners that do not answer are warned about too.

    Raises:
        Invalid: the rule cannot work on this device; the sentence names the port and board.
    """
    findings = Findings()
    if uses_ports(spec):
        try:
            ports = await deps.bus.request(ListPorts(), CHECK_TIMEOUT_S)
        except BusError as exc:
            # io may be starting or restoring: a rule is not refused for that, only not checked.
            findings += Findings(warnings=(f"the ports were not checked: {exc.message}",))
        else:
            deps.facts.board = board_of(ports)
            findings += check_ports(spec, deps.facts.board)
    conditions = mqtt_conditions(spec)
    if conditions:
        try:
            reply = await deps.bus.request(ListSubscriptions(), CHECK_TIMEOUT_S)
        except BusError as exc:
            findings += Findings(warnings=(f"the MQTT filters were not checked: {exc.message}",))
        else:
            known = [
                SubscriptionFacts(s.spec.filter, s.spec.is_stateful) for s in reply.subscriptions
            ]
            findings += check_subscriptions(conditions, known)
    if findings.refusals:
        raise Invalid("; ".join(findings.refusals))
    return list(findings.warnings)


def board_of(ports: PortList) -> Board:
    facts = {p.port_id: PortFacts(p.direction, p.is_supervised) for p in ports.ports}
    return Board(ports.board, facts)


async def known_board(deps: Deps) -> Board | None:
    """The board as io told it; asked of io until it has answered once (None meanwhile)."""
    if deps.facts.board is None:
        try:
            deps.facts.board = board_of(await deps.bus.request(ListPorts(), CHECK_TIMEOUT_S))
        except BusError:
            return None
    return deps.facts.board


async def recheck_port(event: PortConfigured, deps: Deps) -> None:
    """Keep the port's new configuration; say which rules it breaks or puts at risk."""
    facts = PortFacts(event.direction, event.is_supervised)
    if deps.facts.board is None:
        board = Board("", {event.port_id: facts})
    else:
        board = deps.facts.board = deps.facts.board.with_port(event.port_id, facts)
    for rule_id, state in sorted(deps.engine.rules.items()):
        if not uses_port(state.spec, event.port_id):
            continue
        findings = check_ports(state.spec, board, only_port=event.port_id)
        said = [("cannot work any more", p) for p in findings.refusals]
        said += [("may not work as meant", p) for p in findings.warnings]
        for verdict, problem in said:
            name = state.spec.name
            log.warning("rule %d (%s) %s: %s", rule_id, name, verdict, problem)
            deps.log.add(deps.clock.now(), rule_id, LogKind.WARNING, f"{name} {verdict}: {problem}")
