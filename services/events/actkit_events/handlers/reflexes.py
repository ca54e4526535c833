"""Telling io and ble the rules they carry out themselves, and again until they hear.

io and ble keep their reflexes across their restarts; the events service tells them whenever a
rule, or what the board's ports are, changes. ``deps.reflexes`` and ``deps.beacon_reflexes`` are
what io and ble last acknowledged: a rule's hold or broadcast is left to its owner only while
the owner follows the rule as it is now.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any, TypeVar

from actkit_events.domain.reflexes import (
    beacon_reflex_of,
    reflex_of,
    wanted_beacon_reflexes,
    wanted_reflexes,
)
from actkit_events.handlers.checks import known_board, recheck_port
from actkit_events.handlers.deps import Deps
from actkit_proto.base import Command
from actkit_proto.ble import BeaconReflex, BeaconReflexesChanged, SetBeaconReflexes
from actkit_proto.errors import BusError
from actkit_proto.events import HoldIoAction, RuleSpec
from actkit_proto.io import PortConfigured, Reflex, ReflexesChanged, SetReflexes
from actkit_proto.service import GetServiceStatus

log = logging.getLogger(__name__)

TELL_TIMEOUT_S = 1.0
RETRY_S = 1.0
"""How long after an owner did not answer it is told again."""

R = TypeVar("R", Reflex, BeaconReflex)


async def io_started_at(deps: Deps) -> datetime | None:
    """When the io service started, or ``None`` when it does not answer."""
    try:
        return (await deps.bus.request(GetServiceStatus(service="io"))).started_at
    except BusError:
        return None


def is_reflex(rule_id: int, spec: RuleSpec, deps: Deps) -> bool:
    """Whether io or ble carries out ``spec`` itself: its owner follows this rule as it says."""
    if isinstance(spec.action, HoldIoAction):
        reflex = reflex_of(rule_id, spec)
        return reflex is not None and deps.reflexes.get(rule_id) == reflex
    beacon_reflex = beacon_reflex_of(rule_id, spec)
    return beacon_reflex is not None and deps.beacon_reflexes.get(rule_id) == beacon_reflex


async def tell_owners(deps: Deps) -> None:
    """Set io's and ble's reflexes to what the rules want, where that differs from what they follow.

    Told between a changed rule's end and its new evaluation: the old rule's hold or broadcast
    is ended by whoever had it, and the new one's started by whoever has it now. An owner that
    does not answer is told again by :func:`keep_owners_told`; meanwhile the events service
    does what the owner may not.
    """
    board = deps.facts.board
    wanted = wanted_reflexes(deps.engine, board)
    if wanted != deps.reflexes:
        if deps.io_started_at[0] is None:
            # The io that follows them, asked before as for a hold: only a later new start of
            # io makes ``reassert_holds`` hold again what io does not hold itself.
            deps.io_started_at[0] = await io_started_at(deps)
        await _tell(deps, SetReflexes(reflexes=_sorted(wanted)), deps.reflexes, wanted)
    beacons = wanted_beacon_reflexes(deps.engine, board)
    if beacons != deps.beacon_reflexes:
        command = SetBeaconReflexes(reflexes=_sorted(beacons))
        await _tell(deps, command, deps.beacon_reflexes, beacons)


def _sorted(reflexes: dict[int, R]) -> list[R]:
    return [reflexes[rule_id] for rule_id in sorted(reflexes)]


async def _tell(
    deps: Deps, command: Command[Any], told: dict[int, R], wanted: dict[int, R]
) -> None:
    try:
        await deps.bus.request(command, TELL_TIMEOUT_S)
    except BusError as exc:
        subject = command.to_subject()
        log.warning("%s failed, tried again in %.0f s: %s", subject, RETRY_S, exc.message)
        deps.reflexes_due.set()
        return
    told.clear()
    told.update(wanted)


async def compare_io_reflexes(event: ReflexesChanged, deps: Deps) -> None:
    await _compare(deps, deps.reflexes, event.reflexes)


async def compare_ble_reflexes(event: BeaconReflexesChanged, deps: Deps) -> None:
    await _compare(deps, deps.beacon_reflexes, event.reflexes)


async def _compare(deps: Deps, told: dict[int, R], followed: list[R]) -> None:
    """What an owner says it follows (at its start, after each set): told again if not ours.

    An owner that lost its list (a new database) or whose answer went astray is told the list
    again; until it answers, the events service does what the owner does not.
    """
    now = {reflex.rule_id: reflex for reflex in followed}
    if now == told:
        return
    told.clear()
    told.update(now)
    await tell_owners(deps)


async def follow_port_configured(event: PortConfigured, deps: Deps) -> None:
    """Check the rules on the port again, then tell the owners the reflexes the board allows.

    io let go of every output as it took the change; the rules are left as they are (the
    manual), a reflex that no longer fits included: the next edge says what they do.
    """
    await recheck_port(event, deps)
    await tell_owners(deps)


async def keep_owners_told(deps: Deps) -> None:
    """Tell io and ble their reflexes again, a while after one did not answer, until both have."""
    while True:
        await deps.reflexes_due.wait()
        deps.reflexes_due.clear()
        await asyncio.sleep(RETRY_S)
        if await known_board(deps) is None:
            deps.reflexes_due.set()
            continue
        await tell_owners(deps)
