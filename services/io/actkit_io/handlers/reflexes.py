"""io.reflexes.set: the rules io carries out itself, as the events service sets them."""

from __future__ import annotations

from actkit_io.domain.reflexes import ReflexTable, check
from actkit_io.handlers.deps import Deps
from actkit_io.handlers.port import drive_output
from actkit_proto.io import Reflexes, ReflexesChanged, SetReflexes


async def set_reflexes(command: SetReflexes, deps: Deps) -> Reflexes:
    """Keep the new list, then follow it: outputs held or let go as their inputs read now."""
    check(command.reflexes, deps.board)
    await deps.store.save_reflexes(command.reflexes)
    await take_reflexes(deps, ReflexTable.of(command.reflexes))
    await announce_reflexes(deps)
    return Reflexes(reflexes=list(deps.reflexes.by_rule.values()))


async def announce_reflexes(deps: Deps) -> None:
    """Tell the reflexes io follows now, so that the events service sees what io has."""
    await deps.bus.publish(ReflexesChanged(reflexes=list(deps.reflexes.by_rule.values())))


async def take_reflexes(deps: Deps, table: ReflexTable) -> None:
    """Follow ``table`` instead of the reflexes followed until now."""
    for output_id in sorted(deps.reflexes.replace(table, deps.board)):
        await drive_output(deps, output_id)
