"""Events > Rules: the rules' list with their live state, the rule form (add, edit), on/off.

A rule's page also shows why it did or did not fire (``rule_trace``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from starlette.datastructures import FormData
from starlette.responses import Response

from actkit_proto.errors import BusError, Invalid, NotFound
from actkit_proto.events import (
    MAX_CONDITIONS,
    MAX_RULES,
    BeaconCondition,
    BroadcastAction,
    ButtonCondition,
    CreateRule,
    DeleteRule,
    EnableRule,
    GetRule,
    HoldIoAction,
    IgnitionCondition,
    InputCondition,
    ListManualTriggers,
    ListRecipients,
    ListRules,
    ListSchedules,
    ManualCondition,
    MqttPublishAction,
    MqttStatefulCondition,
    MqttStatelessCondition,
    NotifyAction,
    PulseCondition,
    PulseIoAction,
    Rule,
    RuleSpec,
    ScheduleCondition,
    TamperCondition,
    UpdateRule,
)
from actkit_proto.io import ListPorts, Port
from actkit_web.http.auth import Caller
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep, command_from_fields
from actkit_web.http.ids import PathId
from actkit_web.pages.durations import hh_mm_ss, ms_of, ms_text, seconds_of
from actkit_web.pages.rendering import render_page
from actkit_web.pages.rule_summary import describe
from actkit_web.pages.rule_trace import why
from actkit_web.pages.submit import REFUSALS, checkbox, form_fields, submit

router = APIRouter(prefix="/events", include_in_schema=False)
CONDITION_ROWS = 3
"""How many conditions the add form offers; an edited rule shows all of its (and one more)."""

CONDITIONS: dict[str, type[BaseModel]] = {
    kind.model_fields["type"].default: kind
    for kind in (
        InputCondition,
        TamperCondition,
        IgnitionCondition,
        ButtonCondition,
        ManualCondition,
        MqttStatefulCondition,
        MqttStatelessCondition,
        BeaconCondition,
        ScheduleCondition,
        PulseCondition,
    )
}
ACTIONS: dict[str, type[BaseModel]] = {
    kind.model_fields["type"].default: kind
    for kind in (HoldIoAction, PulseIoAction, NotifyAction, MqttPublishAction, BroadcastAction)
}


def field_kinds(table: dict[str, type[BaseModel]]) -> dict[str, str]:
    """Each field of a condition's or action's form, with the types that have it (space-separated).

    The form shows a field only when one of those is the type chosen.
    """
    kinds: dict[str, list[str]] = {}
    for kind, model in table.items():
        for name in model.model_fields:
            if name != "type":
                kinds.setdefault(name, []).append(kind)
    return {name: " ".join(types) for name, types in kinds.items()}


def _part(form: FormData, prefix: str, kind: type[BaseModel]) -> dict[str, Any]:
    """The fields of one condition or action that its type has and the form filled in."""
    part: dict[str, Any] = {"type": kind.model_fields["type"].default}
    for name in kind.model_fields:
        value = form.get(f"{prefix}-{name}")
        if name != "type" and isinstance(value, str) and value.strip():
            part[name] = value.strip()
    return part


def rule_from_form(form: FormData) -> dict[str, Any]:
    """A rule specification from the add form, left for the contract to validate."""
    conditions = []
    for row in range(MAX_CONDITIONS):
        kind = form.get(f"cond-{row}-type")
        if isinstance(kind, str) and kind:
            known = CONDITIONS.get(kind)
            conditions.append(_part(form, f"cond-{row}", known) if known else {"type": kind})
    action_kind = form.get("action-type")
    action = ACTIONS.get(action_kind) if isinstance(action_kind, str) else None
    return {
        "name": form.get("name", ""),
        "is_enabled": form.get("is_enabled") is not None,
        "use_first_as_trigger": form.get("use_first_as_trigger") is not None,
        "wait_between_actions_s": seconds_of(form.get("wait_between_actions_s")),
        "conditions": conditions,
        "action": _action(form, action) if action else {"type": action_kind},
    }


def _action(form: FormData, kind: type[BaseModel]) -> dict[str, Any]:
    """The action's fields; its duration read as the manual writes it (``10 s``, ``500 ms``)."""
    action = _part(form, "action", kind)
    if isinstance(action.get("duration_ms"), str):
        action["duration_ms"] = ms_of(action["duration_ms"])
    return action


def times_checked(spec: dict[str, Any]) -> dict[str, Any]:
    """The rule form's specification, once its wait and its action's duration read as times.

    Raises:
        Invalid: the wait is neither ``hh:mm:ss`` nor seconds, or the duration neither
            ``10 s`` nor ``500 ms``: a sentence saying how to write it.
    """
    if isinstance(spec["wait_between_actions_s"], str):
        raise Invalid(
            "wait_between_actions_s: write the wait between actions as hh:mm:ss, "
            "at most 23:59:59 (e.g. 00:01:30 for a minute and a half)"
        )
    if isinstance(spec["action"].get("duration_ms"), str):
        raise Invalid("action.duration_ms: write the duration as 10 s or 500 ms")
    return spec


_PATH = re.compile(
    r"^(?:rule\.)?(?:conditions\.(?P<row>\d+)\.(?:\w+\.)?|(?P<action>action)\.(?:\w+\.)?)?"
    r"(?P<name>\w+)$"
)
"""Where a contract error is: ``rule.conditions.0.input.port_id`` (the type's tag may be in it)."""


def rule_errors(exc: BusError) -> dict[str, str]:
    """The refusal's sentences about one field, by the form's name for it (``cond-0-port_id``).

    Each is shown beside its field; the whole refusal stays above the form.
    """
    errors: dict[str, str] = {}
    for problem in exc.message.replace("Value error, ", "").split("; "):
        where, separator, sentence = problem.partition(": ")
        found = _PATH.match(where) if separator else None
        if found is None:
            continue
        row, name = found["row"], found["name"]
        key = f"cond-{row}-{name}" if row else f"action-{name}" if found["action"] else name
        errors[key] = f"{errors.get(key, '')} {sentence}".strip()
    return errors


def rule_fields(spec: RuleSpec) -> dict[str, str]:
    """The form's fields filled in from a rule, as ``rule_from_form`` reads them back."""
    parts: list[tuple[str, BaseModel]] = [
        (f"cond-{row}", condition) for row, condition in enumerate(spec.conditions)
    ]
    fields = {
        name: _text(value)
        for name, value in spec.model_dump(mode="json", exclude={"conditions", "action"}).items()
    }
    for prefix, part in [*parts, ("action", spec.action)]:
        for name, value in part.model_dump(mode="json", exclude_none=True).items():
            fields[f"{prefix}-{name}"] = _text(value)
    fields["wait_between_actions_s"] = hh_mm_ss(spec.wait_between_actions_s)
    duration_ms = getattr(spec.action, "duration_ms", None)
    if duration_ms is not None:
        fields["action-duration_ms"] = ms_text(duration_ms)
    return fields


def _text(value: object) -> str:
    """A field as the form holds it: booleans as ``true``/``false``, as the form sends them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _done() -> Response:
    return RedirectResponse("/events/rules", status_code=303)


async def _ports(bus: ActingBus) -> list[Port]:
    """The ports as io names them, to choose by name; none when io does not answer."""
    try:
        return (await bus.request(ListPorts())).ports
    except BusError:
        return []


async def _triggers(bus: ActingBus) -> list[int]:
    """The manual triggers the rules use and the first one none uses, to choose from."""
    used = {trigger.trigger_id for trigger in (await bus.request(ListManualTriggers())).triggers}
    free = [trigger_id for trigger_id in range(1, MAX_RULES + 1) if trigger_id not in used]
    return sorted(used | set(free[:1]))


async def _rule_form(bus: ActingBus, values: dict[str, str], rows: int) -> dict[str, Any]:
    """What the rule form needs: the choices, and its fields filled in."""
    return {
        "max_rules": MAX_RULES,
        "conditions": CONDITIONS,
        "actions": ACTIONS,
        "condition_kinds": field_kinds(CONDITIONS),
        "action_kinds": field_kinds(ACTIONS),
        "first_condition": next(iter(CONDITIONS)),
        "first_action": next(iter(ACTIONS)),
        "condition_rows": range(rows),
        "ports": await _ports(bus),
        "triggers": await _triggers(bus),
        "schedules": (await bus.request(ListSchedules())).schedules,
        "recipients": (await bus.request(ListRecipients())).recipients,
        "values": values,
    }


async def _rules_page(
    request: Request,
    caller: Caller,
    bus: ActingBus,
    errors: dict[str, str],
    status: int = 200,
    values: dict[str, str] | None = None,
    saved: Rule | None = None,
) -> Response:
    return render_page(
        request,
        "rules.html",
        caller,
        rules=(await bus.request(ListRules())).rules,
        describe=describe,
        errors=errors,
        saved=saved,
        status_code=status,
        **await _rule_form(bus, values or {"is_enabled": "true"}, CONDITION_ROWS),
    )


async def _saved(request: Request, caller: Caller, bus: ActingBus, rule: Rule) -> Response:
    """Back to the rules; a rule saved with warnings shows them to whoever saved it first.

    Some are said only when it is saved (an MQTT filter no subscription has yet), so they are
    shown on this answer rather than after a redirect.
    """
    if not rule.warnings:
        return _done()
    return await _rules_page(request, caller, bus, {}, saved=rule)


async def _rule_page(
    request: Request,
    caller: Caller,
    bus: ActingBus,
    rule: Rule,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    rows = max(CONDITION_ROWS, min(MAX_CONDITIONS, len(rule.rule.conditions) + 1))
    return render_page(
        request,
        "rule_edit.html",
        caller,
        rule=rule,
        errors=errors,
        status_code=status,
        **await _rule_form(bus, values, rows),
        **await why(bus, rule.rule_id, request.query_params),
    )


async def _rule_refused(
    request: Request, caller: Caller, bus: ActingBus, rule_id: int, exc: BusError
) -> Response:
    """The refusal next to its rule, or above the list when the rule is gone."""
    where = "rules" if isinstance(exc, NotFound) else f"rule-{rule_id}"
    return await _rules_page(request, caller, bus, {where: exc.message}, 400)


@router.get("/rules")
async def rules_page(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _rules_page(request, caller, bus, {})


@router.post("/rules")
async def create_rule(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    form = await request.form()

    async def refused(exc: BusError) -> Response:
        errors = {"add": exc.message, **rule_errors(exc)}
        return await _rules_page(request, caller, bus, errors, 400, form_fields(form))

    if form.get("operation") == "choose":  # a type chosen without script: its fields, no save
        return await _rules_page(request, caller, bus, {}, values=form_fields(form))
    spec = rule_from_form(form)
    return await submit(
        lambda: bus.request(command_from_fields(CreateRule, rule=times_checked(spec))),
        "/events/rules",
        refused,
        lambda rule: _saved(request, caller, bus, rule),
    )


@router.get("/rules/{rule_id}")
async def rule_page(
    request: Request, rule_id: PathId, caller: CallerDep, bus: ActingBusDep
) -> Response:
    try:
        rule = await bus.request(GetRule(rule_id=rule_id))
    except NotFound as exc:
        return await _rules_page(request, caller, bus, {"rules": exc.message}, 404)
    return await _rule_page(request, caller, bus, rule, rule_fields(rule.rule), {})


@router.post("/rules/{rule_id}")
async def update_rule(
    request: Request, rule_id: PathId, caller: CallerDep, bus: ActingBusDep
) -> Response:
    """Replace the rule with the form's; an active rule ends and stays off until enabled."""
    form = await request.form()

    async def refused(exc: BusError) -> Response:
        if isinstance(exc, NotFound):
            return await _rules_page(request, caller, bus, {"rules": exc.message}, 404)
        rule = await bus.request(GetRule(rule_id=rule_id))
        values = form_fields(form)
        errors = {"edit": exc.message, **rule_errors(exc)}
        return await _rule_page(request, caller, bus, rule, values, errors, 400)

    if form.get("operation") == "choose":
        rule = await bus.request(GetRule(rule_id=rule_id))
        return await _rule_page(request, caller, bus, rule, form_fields(form), {})
    spec = rule_from_form(form)
    return await submit(
        lambda: bus.request(
            command_from_fields(UpdateRule, rule_id=rule_id, rule=times_checked(spec))
        ),
        "/events/rules",
        refused,
        lambda rule: _saved(request, caller, bus, rule),
    )


@router.post("/rules/{rule_id}/enabled")
async def enable_rule(
    request: Request,
    rule_id: PathId,
    caller: CallerDep,
    bus: ActingBusDep,
    is_enabled: Annotated[str, Form()] = "",
) -> Response:
    try:
        await bus.request(
            command_from_fields(EnableRule, rule_id=rule_id, is_enabled=checkbox(is_enabled))
        )
    except REFUSALS as exc:
        return await _rule_refused(request, caller, bus, rule_id, exc)
    return _done()


@router.post("/rules/{rule_id}/delete")
async def delete_rule(
    request: Request, rule_id: PathId, caller: CallerDep, bus: ActingBusDep
) -> Response:
    try:
        await bus.request(command_from_fields(DeleteRule, rule_id=rule_id))
    except REFUSALS as exc:
        return await _rule_refused(request, caller, bus, rule_id, exc)
    return _done()
