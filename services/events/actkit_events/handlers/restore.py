"""Restore and factory default: every rule, recipient, schedule and manual trigger goes."""

from __future__ import annotations

from actkit_events.domain.conditions import manual_key
from actkit_events.handlers.actions import carry_out
from actkit_events.handlers.deps import Deps
from actkit_events.handlers.reflexes import tell_owners
from actkit_events.handlers.rules import tell_beacons
from actkit_events.handlers.schedules import set_manual_trigger
from actkit_events.store import clear_all
from actkit_proto import Ack
from actkit_proto.events import MAX_RULES, LogKind, SetManualTrigger
from actkit_proto.params import RestoreScope, RestoreSettings

REASON = "the settings were restored"


async def restore_settings(command: RestoreSettings, deps: Deps) -> Ack:
    """Delete every rule, recipient and schedule and turn every manual trigger off.

    The manual says to recreate events after a restore, so a restore and a factory default
    both clear them; a factory default empties the event log too. The tables are cleared in
    one transaction first: when that fails, nothing has changed.
    """
    await clear_all([deps.rules, deps.recipients, deps.schedules])
    now = deps.clock.now()
    for rule_id in sorted(deps.engine.rules):
        name = deps.engine.rule(rule_id).spec.name
        await carry_out(deps.engine.deactivate(rule_id, now, REASON), deps)
        deps.engine.remove(rule_id)
        deps.log.add(now, rule_id, LogKind.CHANGED, f"{name}: deleted ({REASON})")
    await tell_beacons(deps)
    await tell_owners(deps)
    timetable = deps.timetable
    timetable.specs.clear()
    timetable.next_ticks.clear()
    timetable.changed.set()
    for trigger_id in range(1, MAX_RULES + 1):
        if deps.engine.values.get(manual_key(trigger_id)):
            await set_manual_trigger(SetManualTrigger(trigger_id=trigger_id, is_on=False), deps)
    if command.scope is RestoreScope.FACTORY_DEFAULT:
        deps.log.clear()
    return Ack()
