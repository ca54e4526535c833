"""REST: the rules of the events service (conditions and one action), read and changed there.

Bodies and answers are the events contract's models (``RuleSpec``, ``Rule``, ``RuleList``); a
condition and the action are unions told apart by ``type``. A field they do not have is a 422.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import BaseModel

from actkit_proto.events import (
    CreateRule,
    DeleteRule,
    EnableRule,
    GetRule,
    ListRules,
    Rule,
    RuleList,
    RuleSpec,
    UpdateRule,
)
from actkit_web.http.deps import ActingBusDep
from actkit_web.http.ids import PathId

router = APIRouter(prefix="/api/v1", tags=["rules"])
RULE_EXAMPLE = {
    "name": "Window open",
    "conditions": [{"type": "input", "port_id": 1}],
    "action": {"type": "io_while_active", "port_id": 2},
}
RuleBody = Annotated[RuleSpec, Body(examples=[RULE_EXAMPLE])]


class RuleSwitch(BaseModel, extra="forbid"):
    is_enabled: bool


@router.get("/rules")
async def list_rules(bus: ActingBusDep) -> RuleList:
    """Every rule, whether it is active now, and ``warnings`` about its ports as they are now."""
    return await bus.request(ListRules())


@router.post("/rules", status_code=201)
async def create_rule(bus: ActingBusDep, body: RuleBody) -> Rule:
    """Add a rule: one or more conditions, all of which must hold, and one action (at most 256).

    A rule that cannot work on this device is refused; one that may not work as meant (an MQTT
    filter no subscription has yet) is added, its ``warnings`` saying why.
    """
    return await bus.request(CreateRule(rule=body))


@router.get("/rules/{rule_id}")
async def get_rule(rule_id: PathId, bus: ActingBusDep) -> Rule:
    """One rule, with ``warnings`` about its ports as they are now (one configured otherwise)."""
    return await bus.request(GetRule(rule_id=rule_id))


@router.put("/rules/{rule_id}")
async def update_rule(rule_id: PathId, bus: ActingBusDep, body: RuleBody) -> Rule:
    """Replace a rule; an active rule ends first and stays off until enabled again."""
    return await bus.request(UpdateRule(rule_id=rule_id, rule=body))


@router.put("/rules/{rule_id}/enabled")
async def enable_rule(rule_id: PathId, body: RuleSwitch, bus: ActingBusDep) -> Rule:
    """Turn a rule on or off."""
    return await bus.request(EnableRule(rule_id=rule_id, is_enabled=body.is_enabled))


@router.delete("/rules/{rule_id}", status_code=204)
async def delete_rule(rule_id: PathId, bus: ActingBusDep) -> None:
    """Delete a rule; an active rule ends first (its outputs are released)."""
    await bus.request(DeleteRule(rule_id=rule_id))
