"""REST: manual triggers and recipients of the events service (turn on/off, fire; list, test)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel

from actkit_proto.events import (
    MAX_RULES,
    FireManualTrigger,
    ListRecipients,
    ManualTrigger,
    RecipientTestResult,
    SendTestNotification,
    SetManualTrigger,
)
from actkit_web.deps import ActingBusDep

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


@router.get("/recipients", response_model=None)
async def list_recipients(bus: ActingBusDep) -> dict[str, Any]:
    """Every recipient of notifications (passwords left out; schema in the AsyncAPI document)."""
    return (await bus.request(ListRecipients())).model_dump(mode="json")


@router.post("/recipients/{recipient_id}/test")
async def test_recipient(recipient_id: int, bus: ActingBusDep) -> RecipientTestResult:
    """Send a test notification to a stored recipient and say what its server answered."""
    return await bus.request(SendTestNotification(recipient_id=recipient_id))
