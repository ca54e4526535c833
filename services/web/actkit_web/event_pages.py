"""Dashboard pages under Events: Rules, through the same route functions as the REST API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from starlette.datastructures import FormData
from starlette.responses import Response

from actkit_proto.errors import BusError, Conflict, Invalid, NotFound
from actkit_proto.events import (
    MAX_RULES,
    BeaconCondition,
    BroadcastAction,
    ButtonCondition,
    CreateRule,
    DeleteRule,
    EnableRule,
    FireManualTrigger,
    HoldIoAction,
    IgnitionCondition,
    InputCondition,
    ListRecipients,
    ListRules,
    ManualCondition,
    MqttPublishAction,
    MqttStatefulCondition,
    MqttStatelessCondition,
    PulseIoAction,
    Rule,
    SendTestNotification,
    SetManualTrigger,
    TamperCondition,
)
from actkit_web.auth import Caller
from actkit_web.deps import ActingBus, ActingBusDep, CallerDep, command_from_fields
from actkit_web.pages import render_page

router = APIRouter(prefix="/events", include_in_schema=False)
REFUSALS = (Invalid, Conflict, NotFound)
CONDITION_ROWS = 3
"""How many conditions the add form offers; the REST API takes up to eight."""

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
    )
}
ACTIONS: dict[str, type[BaseModel]] = {
    kind.model_fields["type"].default: kind
    for kind in (HoldIoAction, PulseIoAction, MqttPublishAction, BroadcastAction)
}


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
    for row in range(CONDITION_ROWS):
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
        "wait_between_actions_s": form.get("wait_between_actions_s") or 0,
        "conditions": conditions,
        "action": _part(form, "action", action) if action else {"type": action_kind},
    }


def describe(part: BaseModel) -> str:
    """One line for a condition or action: its type and the parameters that are set."""
    fields = part.model_dump(exclude={"type", "invert"}, exclude_none=True)
    text = " ".join([str(getattr(part, "type", "")), *(f"{k}={v}" for k, v in fields.items())])
    return f"not {text}" if getattr(part, "invert", False) else text


def _done() -> Response:
    return RedirectResponse("/events/rules", status_code=303)


async def _rules_page(
    request: Request, caller: Caller, bus: ActingBus, errors: dict[str, str], status: int = 200
) -> Response:
    return render_page(
        request,
        "rules.html",
        caller,
        rules=(await bus.request(ListRules())).rules,
        max_rules=MAX_RULES,
        conditions=CONDITIONS,
        actions=ACTIONS,
        condition_rows=range(CONDITION_ROWS),
        describe=describe,
        errors=errors,
        status_code=status,
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
    spec = rule_from_form(await request.form())
    try:
        await bus.request(command_from_fields(CreateRule, rule=spec))
    except REFUSALS as exc:
        return await _rules_page(request, caller, bus, {"add": exc.message}, 400)
    return _done()


@router.post("/rules/{rule_id}/enabled")
async def enable_rule(
    request: Request,
    rule_id: int,
    caller: CallerDep,
    bus: ActingBusDep,
    is_enabled: Annotated[bool, Form()] = False,
) -> Response:
    try:
        await bus.request(command_from_fields(EnableRule, rule_id=rule_id, is_enabled=is_enabled))
    except REFUSALS as exc:
        return await _rule_refused(request, caller, bus, rule_id, exc)
    return _done()


@router.post("/rules/{rule_id}/delete")
async def delete_rule(
    request: Request, rule_id: int, caller: CallerDep, bus: ActingBusDep
) -> Response:
    try:
        await bus.request(command_from_fields(DeleteRule, rule_id=rule_id))
    except REFUSALS as exc:
        return await _rule_refused(request, caller, bus, rule_id, exc)
    return _done()


def _trigger_ids(listed: list[Rule]) -> list[int]:
    return sorted(
        {
            condition.trigger_id
            for rule in listed
            for condition in rule.rule.conditions
            if isinstance(condition, ManualCondition)
        }
    )


async def _triggers_page(
    request: Request, caller: Caller, bus: ActingBus, notes: dict[str, str], status: int = 200
) -> Response:
    listed = (await bus.request(ListRules())).rules
    return render_page(
        request,
        "triggers.html",
        caller,
        trigger_ids=_trigger_ids(listed),
        max_trigger=MAX_RULES,
        errors=notes,
        status_code=status,
    )


@router.get("/triggers")
async def triggers_page(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _triggers_page(request, caller, bus, {})


@router.post("/triggers/{trigger_id}")
async def use_trigger(
    request: Request,
    trigger_id: int,
    caller: CallerDep,
    bus: ActingBusDep,
    operation: Annotated[str, Form()] = "fire",
) -> Response:
    try:
        if operation == "fire":
            state = await bus.request(command_from_fields(FireManualTrigger, trigger_id=trigger_id))
        else:
            is_on = operation == "on"
            command = command_from_fields(SetManualTrigger, trigger_id=trigger_id, is_on=is_on)
            state = await bus.request(command)
    except REFUSALS as exc:
        return await _triggers_page(request, caller, bus, {"error": exc.message}, 400)
    done = "fired" if operation == "fire" else ("on" if state.is_on else "off")
    return await _triggers_page(
        request, caller, bus, {"done": f"Manual trigger {trigger_id} {done}."}
    )


async def _recipients_page(
    request: Request, caller: Caller, bus: ActingBus, notes: dict[str, str], status: int = 200
) -> Response:
    return render_page(
        request,
        "recipients.html",
        caller,
        recipients=(await bus.request(ListRecipients())).recipients,
        notes=notes,
        status_code=status,
    )


@router.get("/recipients")
async def recipients_page(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _recipients_page(request, caller, bus, {})


@router.post("/recipients/{recipient_id}/test")
async def test_recipient(
    request: Request, recipient_id: int, caller: CallerDep, bus: ActingBusDep
) -> Response:
    key = f"recipient-{recipient_id}"
    try:
        result = await bus.request(
            command_from_fields(SendTestNotification, recipient_id=recipient_id)
        )
    except REFUSALS as exc:
        return await _recipients_page(request, caller, bus, {key: exc.message}, 400)
    outcome = "Sent" if result.is_ok else "Failed"
    return await _recipients_page(request, caller, bus, {key: f"{outcome}: {result.answer}"})
