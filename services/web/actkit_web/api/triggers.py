"""REST: manual triggers of the events service (turn on or off, fire)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel

from actkit_proto.events import (
    MAX_RULES,
    FireManualTrigger,
    ManualTrigger,
    SetManualTrigger,
)
from actkit_web.http.deps import ActingBusDep

router = APIRouter(prefix="/api/v1", tags=["events"])
TriggerId = Annotated[int, Path(ge=1, le=MAX_RULES)]


class TriggerState(BaseModel):
    is_on: bool


@router.put("/triggers/{trigger_id}/state")
async def set_trigger(
    trigger_id: TriggerId, body: TriggerState, bus: ActingBusDep
) -> ManualTrigger:
    """Turn a manual trigger on or off (operator)."""
    return await bus.request(SetManualTrigger(trigger_id=trigger_id, is_on=body.is_on))


@router.post("/triggers/{trigger_id}/fire")
async def fire_trigger(trigger_id: TriggerId, bus: ActingBusDep) -> ManualTrigger:
    """Turn a manual trigger on and straight off again (operator)."""
    return await bus.request(FireManualTrigger(trigger_id=trigger_id))
