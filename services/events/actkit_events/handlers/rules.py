"""Rule handlers: create, read, update, enable, delete, trace; the catalogue and the log."""

from __future__ import annotations

import typing

from pydantic import BaseModel

from actkit_events.domain.checks import current_warnings, uses_ports
from actkit_events.domain.rules import validate_rule
from actkit_events.handlers.actions import carry_out
from actkit_events.handlers.checks import check_rule, known_board
from actkit_events.handlers.deps import Deps
from actkit_events.handlers.reflexes import tell_owners
from actkit_events.params import EventsParameters
from actkit_proto import Ack, Invalid, NotFound
from actkit_proto.events import (
    STATELESS_CONDITIONS,
    Action,
    Catalogue,
    CatalogueEntry,
    Condition,
    CreateRule,
    DeleteRule,
    EnableRule,
    EventLog,
    GetRule,
    ListCatalogue,
    ListRules,
    LogKind,
    NotifyAction,
    PulseCondition,
    QueryEventLog,
    Rule,
    RuleBeaconsChanged,
    RuleList,
    RuleSpec,
    RuleTrace,
    ScheduleCondition,
    TraceRule,
    UpdateRule,
    WeeklySchedule,
)


async def _check_references(spec: RuleSpec, deps: Deps) -> None:
    validate_rule(spec)
    if isinstance(spec.action, NotifyAction):
        try:
            await deps.recipients.get(spec.action.recipient_id)
        except NotFound:
            raise Invalid(
                f"recipient {spec.action.recipient_id} does not exist; add the recipient first"
            ) from None
    for condition in spec.conditions:
        if isinstance(condition, ScheduleCondition | PulseCondition):
            schedule = deps.timetable.specs.get(condition.schedule_id)
            wants_weekly = isinstance(condition, ScheduleCondition)
            if schedule is None or isinstance(schedule, WeeklySchedule) != wants_weekly:
                kind = "weekly schedule" if wants_weekly else "pulse"
                raise Invalid(f"there is no {kind} {condition.schedule_id}; add it first")


def _view(rule_id: int, deps: Deps, warnings: list[str]) -> Rule:
    state = deps.engine.rule(rule_id)
    return Rule(rule_id=rule_id, rule=state.spec, is_active=state.is_active, warnings=warnings)


async def _view_now(rule_id: int, deps: Deps) -> Rule:
    """The rule with what its ports are found to be on the board now."""
    spec = deps.engine.rule(rule_id).spec
    board = await known_board(deps) if uses_ports(spec) else None
    return _view(rule_id, deps, current_warnings(spec, board))


async def tell_beacons(deps: Deps, *, always: bool = False) -> None:
    """Tell ble the System IDs rules wait for, when they changed (``always``: at start)."""
    wanted = deps.engine.beacon_system_ids()
    if wanted == deps.beacons_told and not always:
        return
    # Told before the rule is evaluated, so its beacon is received as soon as it can fire.
    await deps.bus.publish(RuleBeaconsChanged(system_ids=sorted(wanted)))
    deps.beacons_told.clear()
    deps.beacons_told.update(wanted)


async def _replace(
    rule_id: int, spec: RuleSpec, deps: Deps, reason: str, warnings: list[str] | None = None
) -> Rule:
    """Store a changed rule; an active one ends first, then the new spec is evaluated.

    The answer carries ``warnings`` (a save's checks), or else what its ports are found to be.
    """
    await deps.rules.save(rule_id, spec)
    await carry_out(deps.engine.deactivate(rule_id, deps.clock.now(), reason), deps)
    deps.engine.put(rule_id, spec)
    await tell_beacons(deps)
    await tell_owners(deps)
    await carry_out(deps.engine.reevaluate(rule_id, deps.clock.now()), deps)
    return await _view_now(rule_id, deps) if warnings is None else _view(rule_id, deps, warnings)


async def create_rule(command: CreateRule, deps: Deps) -> Rule:
    await _check_references(command.rule, deps)
    warnings = await check_rule(command.rule, deps)
    rule_id = await deps.rules.create(command.rule)
    deps.engine.put(rule_id, command.rule)
    deps.log.add(deps.clock.now(), rule_id, LogKind.CHANGED, f"{command.rule.name}: created")
    await tell_beacons(deps)
    await tell_owners(deps)
    await carry_out(deps.engine.reevaluate(rule_id, deps.clock.now()), deps)
    return _view(rule_id, deps, warnings)


async def list_rules(_command: ListRules, deps: Deps) -> RuleList:
    states = sorted(deps.engine.rules.items())
    is_on_ports = any(uses_ports(state.spec) for _, state in states)
    board = await known_board(deps) if is_on_ports else None
    return RuleList(
        rules=[
            _view(rule_id, deps, current_warnings(state.spec, board)) for rule_id, state in states
        ]
    )


async def get_rule(command: GetRule, deps: Deps) -> Rule:
    return await _view_now(command.rule_id, deps)


async def update_rule(command: UpdateRule, deps: Deps) -> Rule:
    state = deps.engine.rule(command.rule_id)
    await _check_references(command.rule, deps)
    warnings = await check_rule(command.rule, deps)
    spec = command.rule
    if state.is_active:
        # The manual: changes to an active rule take effect once it is turned on again.
        spec = spec.model_copy(update={"is_enabled": False})
    deps.log.add(deps.clock.now(), command.rule_id, LogKind.CHANGED, f"{spec.name}: edited")
    return await _replace(command.rule_id, spec, deps, "the rule was edited", warnings)


async def enable_rule(command: EnableRule, deps: Deps) -> Rule:
    state = deps.engine.rule(command.rule_id)
    spec = state.spec.model_copy(update={"is_enabled": command.is_enabled})
    word = "turned on" if command.is_enabled else "turned off"
    deps.log.add(deps.clock.now(), command.rule_id, LogKind.CHANGED, f"{spec.name}: {word}")
    return await _replace(command.rule_id, spec, deps, f"the rule was {word}")


async def delete_rule(command: DeleteRule, deps: Deps) -> Ack:
    state = deps.engine.rule(command.rule_id)
    await carry_out(deps.engine.deactivate(command.rule_id, deps.clock.now(), "deleted"), deps)
    await deps.rules.delete(command.rule_id)
    deps.engine.remove(command.rule_id)
    await tell_beacons(deps)
    await tell_owners(deps)
    deps.log.add(deps.clock.now(), command.rule_id, LogKind.CHANGED, f"{state.spec.name}: deleted")
    return Ack()


async def trace_rule(command: TraceRule, deps: Deps) -> RuleTrace:
    return deps.engine.trace(command.rule_id, deps.clock.now())


def _entries(union: object) -> list[CatalogueEntry]:
    entries = []
    for model in typing.get_args(typing.get_args(union)[0]):
        assert issubclass(model, BaseModel)
        schema = model.model_json_schema()
        kind = model.model_fields["type"].default
        entries.append(
            CatalogueEntry(
                type=kind,
                title=(model.__doc__ or kind).strip().splitlines()[0],
                is_stateless=kind in STATELESS_CONDITIONS,
                parameters=schema,
            )
        )
    return entries


async def list_catalogue(_command: ListCatalogue, _deps: Deps) -> Catalogue:
    return Catalogue(conditions=_entries(Condition), actions=_entries(Action))


async def query_event_log(command: QueryEventLog, deps: Deps) -> EventLog:
    entries = deps.log.query(command.since, command.until, command.rule_id, command.limit)
    return EventLog(entries=entries)


def rule_parameters(deps: Deps) -> EventsParameters:
    """Plain config's log size and rule switches; a set goes through :func:`enable_rule`."""

    async def enable(command: EnableRule) -> Rule:
        return await enable_rule(command, deps)

    return EventsParameters(deps.engine, deps.log, enable)
