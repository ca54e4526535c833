"""Telling io the rules it carries out itself (``io.reflexes.set``), and again until it hears.

io keeps its reflexes across its restarts; the events service tells them whenever a rule, or
what the board's ports are, changes. ``deps.reflexes`` is what io last acknowledged: a rule's
hold is left to io only when io follows the rule as it is now.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from actkit_events.domain.reflexes import reflex_of, wanted_reflexes
from actkit_events.handlers.checks import known_board, recheck_port
from actkit_events.handlers.deps import Deps
from actkit_proto.errors import BusError
from actkit_proto.events import RuleSpec
from actkit_proto.io import PortConfigured, SetReflexes
from actkit_proto.service import GetServiceStatus

log = logging.getLogger(__name__)

TELL_TIMEOUT_S = 1.0
RETRY_S = 1.0
"""How long after io did not answer it is told again."""


async def io_started_at(deps: Deps) -> datetime | None:
    """When the io service started, or ``None`` when it does not answer."""
    try:
        return (await deps.bus.request(GetServiceStatus(service="io"))).started_at
    except BusError:
        return None


def is_reflex(rule_id: int, spec: RuleSpec, deps: Deps) -> bool:
    """Whether io carries out ``spec`` itself: io follows this rule as ``spec`` says."""
    reflex = reflex_of(rule_id, spec)
    return reflex is not None and deps.reflexes.get(rule_id) == reflex


async def tell_io(deps: Deps) -> None:
    """Set io's reflexes to what the rules want, when that differs from what io follows.

    Told between a changed rule's end and its new evaluation: the old rule's hold is let go by
    whoever had it, and the new one's is taken by whoever has it now. When io does not answer,
    :func:`keep_io_told` tries again; meanwhile the events service holds what io may not.
    """
    wanted = wanted_reflexes(deps.engine, deps.facts.board)
    if wanted == deps.reflexes:
        return
    command = SetReflexes(reflexes=[wanted[rule_id] for rule_id in sorted(wanted)])
    if deps.io_started_at[0] is None:
        # The io that will follow them: a later new start of io is told them again (asked
        # before, as for a hold).
        deps.io_started_at[0] = await io_started_at(deps)
    try:
        await deps.bus.request(command, TELL_TIMEOUT_S)
    except BusError as exc:
        log.warning("io was not told its reflexes, tried again in %.0f s: %s", RETRY_S, exc.message)
        deps.reflexes_due.set()
        return
    deps.reflexes.clear()
    deps.reflexes.update(wanted)


async def follow_port_configured(event: PortConfigured, deps: Deps) -> None:
    """Check the rules on the port again, then tell io the reflexes its board now allows.

    io let go of every output as it took the change; the rules are left as they are (the
    manual), a reflex that no longer fits included: the next edge says what they do.
    """
    await recheck_port(event, deps)
    await tell_io(deps)


async def keep_io_told(deps: Deps) -> None:
    """Tell io its reflexes again, a while after it did not answer, until it has."""
    while True:
        await deps.reflexes_due.wait()
        deps.reflexes_due.clear()
        await asyncio.sleep(RETRY_S)
        if await known_board(deps) is None:
            deps.reflexes_due.set()
            continue
        await tell_io(deps)
