"""REST: the rules of the events service (conditions and one action), read and changed there.

Rule bodies are JSON objects checked against the events contract (``RuleSpec``); their schema is
in the AsyncAPI document, whose discriminators OpenAPI 3.1 cannot read.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel

from actkit_proto.events import (
    CreateRule,
    DeleteRule,
    EnableRule,
    GetRule,
    ListRules,
    Rule,
    UpdateRule,
)
from actkit_web.http.deps import ActingBusDep, command_from_fields
from actkit_web.http.ids import BoundedIds, PathId

router = APIRouter(prefix="/api/v1", tags=["rules"])
RULE_EXAMPLE = {
    "name": "Window open",
    "conditions": [{"type": "input", "port_id": 1}],
    "action": {"type": "io_while_active", "port_id": 2},
}
RuleBody = Annotated[dict[str, Any], Body(examples=[RULE_EXAMPLE]), BoundedIds]


class RuleSwitch(BaseModel):
    is_enabled: bool


def _answer(rule: Rule) -> dict[str, Any]:
    return rule.model_dump(mode="json")


@router.get("/rules", response_model=None)
async def list_rules(bus: ActingBusDep) -> dict[str, Any]:
    """Every rule, whether it is active now, and ``warnings`` about its ports as they are now."""
    return (await bus.request(ListRules())).model_dump(mode="json")


@router.post("/rules", status_code=201, response_model=None)
async def create_rule(bus: ActingBusDep, body: RuleBody) -> dict[str, Any]:
    """Add a rule: one or more conditions, all of which must hold, and one action (at most 256).

    A rule that cannot work on this device is refused; one that may not work as meant (an MQTT
    filter no subscription has yet) is added, its ``warnings`` saying why.
    """
    return _answer(await bus.request(command_from_fields(CreateRule, rule=body)))


@router.get("/rules/{rule_id}", response_model=None)
async def get_rule(rule_id: PathId, bus: ActingBusDep) -> dict[str, Any]:
    """One rule, with ``warnings`` about its ports as they are now (one configured otherwise)."""
    return _answer(await bus.request(GetRule(rule_id=rule_id)))


@router.put("/rules/{rule_id}", response_model=None)
async def update_rule(rule_id: PathId, bus: ActingBusDep, body: RuleBody) -> dict[str, Any]:
    """Replace a rule; an active rule ends first and stays off until enabled again."""
    return _answer(await bus.request(command_from_fields(UpdateRule, rule_id=rule_id, rule=body)))


@router.put("/rules/{rule_id}/enabled", response_model=None)
async def enable_rule(rule_id: PathId, body: RuleSwitch, bus: ActingBusDep) -> dict[str, Any]:
    """Turn a rule on or off."""
    return _answer(await bus.request(EnableRule(rule_id=rule_id, is_enabled=body.is_enabled)))


@router.delete("/rules/{rule_id}", status_code=204)
async def delete_rule(rule_id: PathId, bus: ActingBusDep) -> None:
    """Delete a rule; an active rule ends first (its outputs are released)."""
    await bus.request(DeleteRule(rule_id=rule_id))
