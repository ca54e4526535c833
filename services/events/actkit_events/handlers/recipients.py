"""Recipient handlers: create, list, update, delete, test. Passwords are write-only."""

from __future__ import annotations

import logging

from actkit_events.handlers.deps import Deps
from actkit_events.ports import Delivered, DeliveryFailed
from actkit_proto import Ack, Conflict, Invalid
from actkit_proto.events import (
    CreateRecipient,
    DeleteRecipient,
    GetRecipient,
    ListRecipients,
    NotifyAction,
    Recipient,
    RecipientList,
    RecipientSpec,
    RecipientTestResult,
    SendTestNotification,
    SftpRecipient,
    UpdateRecipient,
)

log = logging.getLogger(__name__)

TEST_SUBJECT = "actkit test notification"
TEST_MESSAGE = "This is a test notification from the activation kit."


def _view(recipient_id: int, spec: RecipientSpec) -> Recipient:
    password = getattr(spec, "password", None)
    shown = spec.model_copy(update={"password": None}) if password is not None else spec
    return Recipient(recipient_id=recipient_id, recipient=shown, has_password=bool(password))


async def pin_host_key(
    recipient_id: int, used: RecipientSpec, delivered: Delivered, deps: Deps
) -> str:
    """Pin the host key an SFTP delivery was made with in the stored recipient (first use).

    Only a stored recipient without a SHA-256 fingerprint, at the host and port the key was
    shown at, is pinned; from then on another key is refused. Returns what to add to the
    answer: a sentence when it pinned, else nothing.
    """
    seen = delivered.host_key_sha256
    if seen is None or not isinstance(used, SftpRecipient):
        return ""

    server = (used.host, used.port)

    def pinned(stored: RecipientSpec) -> RecipientSpec | None:
        if not isinstance(stored, SftpRecipient) or stored.host_key_sha256:
            return None
        if (stored.host, stored.port) != server:
            return None
        return stored.model_copy(update={"host_key_sha256": seen})

    if await deps.recipients.change(recipient_id, pinned) is None:
        return ""
    log.info("recipient %d: SFTP host key SHA256:%s pinned at first use", recipient_id, seen)
    return f"; host key pinned: recipient {recipient_id} refuses any other from now on"


def _check_supported(spec: RecipientSpec, deps: Deps) -> None:
    reason = deps.notifier.not_supported_reason(spec)
    if reason:
        raise Invalid(reason)


async def _with_stored_password(
    recipient_id: int | None, spec: RecipientSpec, deps: Deps
) -> RecipientSpec:
    """An empty password means "keep the one stored" (the field is write-only)."""
    if (
        recipient_id is None
        or "password" not in type(spec).model_fields
        or getattr(spec, "password", None) is not None
    ):
        return spec
    stored = await deps.recipients.get(recipient_id)
    return spec.model_copy(update={"password": getattr(stored, "password", None)})


async def create_recipient(command: CreateRecipient, deps: Deps) -> Recipient:
    _check_supported(command.recipient, deps)
    recipient_id = await deps.recipients.create(command.recipient)
    return _view(recipient_id, command.recipient)


async def list_recipients(_command: ListRecipients, deps: Deps) -> RecipientList:
    stored = await deps.recipients.all()
    return RecipientList(recipients=[_view(key, spec) for key, spec in stored.items()])


async def get_recipient(command: GetRecipient, deps: Deps) -> Recipient:
    return _view(command.recipient_id, await deps.recipients.get(command.recipient_id))


async def update_recipient(command: UpdateRecipient, deps: Deps) -> Recipient:
    _check_supported(command.recipient, deps)
    spec = await _with_stored_password(command.recipient_id, command.recipient, deps)
    await deps.recipients.save(command.recipient_id, spec)
    return _view(command.recipient_id, spec)


async def delete_recipient(command: DeleteRecipient, deps: Deps) -> Ack:
    users = [
        str(rule_id)
        for rule_id, state in sorted(deps.engine.rules.items())
        if isinstance(state.spec.action, NotifyAction)
        and state.spec.action.recipient_id == command.recipient_id
    ]
    if users:
        raise Conflict(
            f"recipient {command.recipient_id} is used by rule {', '.join(users)}; "
            "change or delete those rules first"
        )
    await deps.recipients.delete(command.recipient_id)
    return Ack()


async def send_test_notification(command: SendTestNotification, deps: Deps) -> RecipientTestResult:
    if command.recipient is not None:
        spec = await _with_stored_password(command.recipient_id, command.recipient, deps)
    elif command.recipient_id is not None:
        spec = await deps.recipients.get(command.recipient_id)
    else:
        raise Invalid("give recipient_id, recipient, or both")
    _check_supported(spec, deps)
    try:
        delivered = await deps.notifier.send(spec, TEST_SUBJECT, TEST_MESSAGE)
    except DeliveryFailed as exc:
        return RecipientTestResult(is_ok=False, answer=str(exc))
    answer = delivered.answer
    if command.recipient_id is not None:
        answer += await pin_host_key(command.recipient_id, spec, delivered, deps)
    return RecipientTestResult(is_ok=True, answer=answer)
