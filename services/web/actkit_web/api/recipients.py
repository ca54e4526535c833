"""REST: recipients of notifications (email, HTTP(S), TCP, FTP, SFTP, SMB, SIP), kept by events.

Bodies and answers are the events contract's models (``RecipientSpec``, a union told apart by
``type``; ``Recipient``, ``RecipientList``); a field they do not have is a 422. Passwords are
write-only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from actkit_proto.events import (
    CreateRecipient,
    DeleteRecipient,
    GetRecipient,
    ListRecipients,
    Recipient,
    RecipientList,
    RecipientSpec,
    RecipientTestResult,
    SendTestNotification,
    UpdateRecipient,
)
from actkit_web.http.deps import ActingBusDep
from actkit_web.http.ids import PathId

router = APIRouter(prefix="/api/v1", tags=["recipients"])
RECIPIENT_EXAMPLE = {"type": "http", "name": "Dispatch", "url": "http://dispatch.example/hook"}
RecipientBody = Annotated[RecipientSpec, Body(examples=[RECIPIENT_EXAMPLE])]


@router.get("/recipients")
async def list_recipients(bus: ActingBusDep) -> RecipientList:
    """Every recipient of notifications (passwords left out)."""
    return await bus.request(ListRecipients())


@router.post("/recipients", status_code=201)
async def create_recipient(bus: ActingBusDep, body: RecipientBody) -> Recipient:
    """Add a recipient (at most 20; administrator)."""
    return await bus.request(CreateRecipient(recipient=body))


@router.post("/recipients/test")
async def test_new_recipient(bus: ActingBusDep, body: RecipientBody) -> RecipientTestResult:
    """Send a test notification to a recipient before saving it."""
    return await bus.request(SendTestNotification(recipient=body))


@router.get("/recipients/{recipient_id}")
async def get_recipient(recipient_id: PathId, bus: ActingBusDep) -> Recipient:
    """One recipient (its password left out)."""
    return await bus.request(GetRecipient(recipient_id=recipient_id))


@router.put("/recipients/{recipient_id}")
async def update_recipient(
    recipient_id: PathId, bus: ActingBusDep, body: RecipientBody
) -> Recipient:
    """Replace a recipient; an empty password keeps the stored one (administrator)."""
    return await bus.request(UpdateRecipient(recipient_id=recipient_id, recipient=body))


@router.delete("/recipients/{recipient_id}", status_code=204)
async def delete_recipient(recipient_id: PathId, bus: ActingBusDep) -> None:
    """Delete a recipient that no rule uses (409 otherwise)."""
    await bus.request(DeleteRecipient(recipient_id=recipient_id))


@router.post("/recipients/{recipient_id}/test")
async def test_recipient(recipient_id: PathId, bus: ActingBusDep) -> RecipientTestResult:
    """Send a test notification to a stored recipient and say what its server answered."""
    return await bus.request(SendTestNotification(recipient_id=recipient_id))
