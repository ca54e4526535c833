"""REST: recipients of notifications (email, HTTP(S), TCP, FTP, SFTP, SMB, SIP), kept by events.

Recipient bodies are JSON objects checked against the events contract (``RecipientSpec``, a
union on ``type``); their schema is in the AsyncAPI document. Passwords are write-only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from actkit_proto.events import (
    CreateRecipient,
    DeleteRecipient,
    GetRecipient,
    ListRecipients,
    RecipientTestResult,
    SendTestNotification,
    UpdateRecipient,
)
from actkit_web.http.deps import ActingBusDep, command_from_fields
from actkit_web.http.ids import BoundedIds, PathId

router = APIRouter(prefix="/api/v1", tags=["recipients"])
RECIPIENT_EXAMPLE = {"type": "http", "name": "Dispatch", "url": "http://dispatch.example/hook"}
RecipientBody = Annotated[dict[str, Any], Body(examples=[RECIPIENT_EXAMPLE]), BoundedIds]


@router.get("/recipients", response_model=None)
async def list_recipients(bus: ActingBusDep) -> dict[str, Any]:
    """Every recipient of notifications (passwords left out)."""
    return (await bus.request(ListRecipients())).model_dump(mode="json")


@router.post("/recipients", status_code=201, response_model=None)
async def create_recipient(bus: ActingBusDep, body: RecipientBody) -> dict[str, Any]:
    """Add a recipient (at most 20; administrator)."""
    created = await bus.request(command_from_fields(CreateRecipient, recipient=body))
    return created.model_dump(mode="json")


@router.post("/recipients/test")
async def test_new_recipient(bus: ActingBusDep, body: RecipientBody) -> RecipientTestResult:
    """Send a test notification to a recipient before saving it."""
    return await bus.request(command_from_fields(SendTestNotification, recipient=body))


@router.get("/recipients/{recipient_id}", response_model=None)
async def get_recipient(recipient_id: PathId, bus: ActingBusDep) -> dict[str, Any]:
    """One recipient (its password left out)."""
    return (await bus.request(GetRecipient(recipient_id=recipient_id))).model_dump(mode="json")


@router.put("/recipients/{recipient_id}", response_model=None)
async def update_recipient(
    recipient_id: PathId, bus: ActingBusDep, body: RecipientBody
) -> dict[str, Any]:
    """Replace a recipient; an empty password keeps the stored one (administrator)."""
    command = command_from_fields(UpdateRecipient, recipient_id=recipient_id, recipient=body)
    return (await bus.request(command)).model_dump(mode="json")


@router.delete("/recipients/{recipient_id}", status_code=204)
async def delete_recipient(recipient_id: PathId, bus: ActingBusDep) -> None:
    """Delete a recipient that no rule uses (409 otherwise)."""
    await bus.request(DeleteRecipient(recipient_id=recipient_id))


@router.post("/recipients/{recipient_id}/test")
async def test_recipient(recipient_id: PathId, bus: ActingBusDep) -> RecipientTestResult:
    """Send a test notification to a stored recipient and say what its server answered."""
    return await bus.request(SendTestNotification(recipient_id=recipient_id))
