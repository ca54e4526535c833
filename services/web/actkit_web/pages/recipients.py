"""Events > Recipients: where notifications go (add, edit, test, delete), a form per type."""

from __future__ import annotations

import typing
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from starlette.datastructures import FormData
from starlette.responses import Response

from actkit_proto.errors import BusError, NotFound
from actkit_proto.events import (
    MAX_RECIPIENTS,
    CreateRecipient,
    EmailRecipient,
    FtpRecipient,
    HttpRecipient,
    NetworkStorageRecipient,
    Recipient,
    SendTestNotification,
    SftpRecipient,
    SipRecipient,
    TcpRecipient,
    UpdateRecipient,
)
from actkit_web.api import recipients
from actkit_web.http.auth import Caller
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep, command_from_fields
from actkit_web.http.ids import PathId
from actkit_web.pages.contract_words import WORDS
from actkit_web.pages.form_inputs import label_of
from actkit_web.pages.languages import N_
from actkit_web.pages.rendering import render_page
from actkit_web.pages.submit import REFUSALS, field_errors, form_fields, submit

router = APIRouter(prefix="/events", include_in_schema=False)

RECIPIENT_TYPES: dict[str, type[BaseModel]] = {
    "email": EmailRecipient,
    "http": HttpRecipient,
    "https": HttpRecipient,
    "tcp": TcpRecipient,
    "ftp": FtpRecipient,
    "sftp": SftpRecipient,
    "network_storage": NetworkStorageRecipient,
    "sip": SipRecipient,
}
"""The recipient types this device sends to (VMS calls are not supported)."""
LABELS = {
    "to": N_("Send email to"),
    "sender": N_("Send email from"),
    "pop_host": N_("POP server (POP authentication)"),
    "pop_port": N_("POP port"),
    "pop_encryption": N_("POP encryption"),
    "smb_version": N_("SMB version"),
    "from_account": N_("From SIP account"),
    "to_address": N_("To SIP address"),
    "proxy_host": N_("SIP proxy"),
    "proxy_port": N_("SIP proxy port"),
    "message_wav": N_("Message (WAV file in base64: 16-bit mono 8000 Hz, at most 64 KiB)"),
    "call_duration_s": N_("Call duration (s)"),
}
"""Inputs whose label is not their name in words: the manual's words, abbreviations in capitals."""


class RecipientInput(typing.NamedTuple):
    """One input of a recipient form, derived from the contract's field."""

    name: str
    kind: str
    """``text``, ``number``, ``password``, ``checkbox``, ``select`` or ``list``."""
    choices: tuple[tuple[str, str], ...]
    """``(value, label)`` each."""
    is_required: bool
    label: str


def _input(name: str, info: FieldInfo) -> RecipientInput:
    annotation = info.annotation
    args = typing.get_args(annotation)
    label = LABELS.get(name) or label_of(name)
    if name == "password":
        return RecipientInput(name, "password", (), False, label)
    if annotation is bool:
        return RecipientInput(name, "checkbox", (), False, label)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        choices = tuple(
            (member.value, WORDS.get(member.value, member.value)) for member in annotation
        )
        return RecipientInput(name, "select", choices, False, label)
    if typing.get_origin(annotation) is list:
        return RecipientInput(name, "list", (), info.is_required(), label)
    number = annotation is int or int in args
    return RecipientInput(name, "number" if number else "text", (), info.is_required(), label)


def recipient_inputs(kind: str) -> list[RecipientInput]:
    """The inputs of a recipient type's form, in the contract's order (``type`` left out)."""
    model = RECIPIENT_TYPES[kind]
    return [_input(name, info) for name, info in model.model_fields.items() if name != "type"]


def recipient_from_form(form: FormData, kind: str) -> dict[str, Any]:
    """A recipient specification from its form, left for the contract to check."""
    spec: dict[str, Any] = {"type": kind}
    for field in recipient_inputs(kind):
        value = form.get(field.name)
        text = value.strip() if isinstance(value, str) else ""
        if field.kind == "checkbox":
            spec[field.name] = value is not None
        elif field.kind == "list":
            spec[field.name] = [item.strip() for item in text.split(",") if item.strip()]
        elif text:
            spec[field.name] = text
    return spec


def recipient_fields(entry: Recipient) -> dict[str, str]:
    """A stored recipient as its form's fields (the password stays empty: unchanged)."""
    fields: dict[str, str] = {}
    for name, value in entry.recipient.model_dump(mode="json", exclude_none=True).items():
        if isinstance(value, bool):
            fields[name] = "true" if value else ""
        elif isinstance(value, list):
            fields[name] = ", ".join(str(item) for item in value)
        else:
            fields[name] = str(value)
    return fields


# -- recipients ------------------------------------------------------------------------------


async def _recipients_page(
    request: Request, caller: Caller, bus: ActingBus, notes: dict[str, str], status: int = 200
) -> Response:
    return render_page(
        request,
        "recipients.html",
        caller,
        recipients=(await recipients.list_recipients(bus)).recipients,
        types=RECIPIENT_TYPES,
        max_recipients=MAX_RECIPIENTS,
        notes=notes,
        status_code=status,
    )


async def _recipient_form(
    request: Request,
    caller: Caller,
    kind: str,
    values: dict[str, str],
    errors: dict[str, str],
    recipient_id: int | None = None,
    status: int = 200,
    copied_from: Recipient | None = None,
) -> Response:
    return render_page(
        request,
        "recipient_form.html",
        caller,
        kind=kind,
        inputs=recipient_inputs(kind),
        recipient_id=recipient_id,
        values=values,
        errors=errors,
        copied_from=copied_from,
        status_code=status,
    )


def _field_errors(exc: BusError, kind: str) -> dict[str, str]:
    return field_errors(exc, {field.name: (field.name,) for field in recipient_inputs(kind)})


def _kind(value: object) -> str:
    kind = value if isinstance(value, str) else ""
    if kind not in RECIPIENT_TYPES:
        raise NotFound(f"recipient type {kind!r} is not one of {', '.join(RECIPIENT_TYPES)}")
    return kind


@router.get("/recipients")
async def recipients_page(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _recipients_page(request, caller, bus, {})


@router.get("/recipients/new")
async def new_recipient_page(
    request: Request,
    caller: CallerDep,
    bus: ActingBusDep,
    chosen: Annotated[str, Query(alias="type")] = "email",
) -> Response:
    try:
        kind = _kind(chosen)
    except NotFound as exc:
        return await _recipients_page(request, caller, bus, {"error": exc.message}, 404)
    defaults = {
        name: ("true" if info.default is True else str(info.default))
        for name, info in RECIPIENT_TYPES[kind].model_fields.items()
        if info.default not in (None, "", False) and not info.is_required()
    }
    return await _recipient_form(request, caller, kind, defaults, {})


@router.post("/recipients")
async def create_recipient(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _save_recipient(request, caller, bus, None)


@router.get("/recipients/{recipient_id}")
async def recipient_page(
    request: Request, recipient_id: PathId, caller: CallerDep, bus: ActingBusDep
) -> Response:
    entry = await _stored(request, caller, bus, recipient_id)
    if not isinstance(entry, Recipient):
        return entry
    fields = recipient_fields(entry)
    return await _recipient_form(request, caller, entry.recipient.type, fields, {}, recipient_id)


@router.get("/recipients/{recipient_id}/copy")
async def copy_recipient_page(
    request: Request, recipient_id: PathId, caller: CallerDep, bus: ActingBusDep
) -> Response:
    """A new recipient's form filled in as a stored one, named "<name> copy".

    Its password is not in it: the owner never answers one, so whoever copies types it again.
    """
    entry = await _stored(request, caller, bus, recipient_id)
    if not isinstance(entry, Recipient):
        return entry
    values = recipient_fields(entry) | {"name": copy_name(entry.recipient.name)}
    kind = entry.recipient.type
    return await _recipient_form(request, caller, kind, values, {}, copied_from=entry)


async def _stored(
    request: Request, caller: Caller, bus: ActingBus, recipient_id: int
) -> Recipient | Response:
    """A stored recipient of a type this device sends to, or the list saying why not."""
    try:
        entry = await recipients.get_recipient(recipient_id, bus)
    except NotFound as exc:
        return await _recipients_page(request, caller, bus, {"error": exc.message}, 404)
    kind = entry.recipient.type
    if kind not in RECIPIENT_TYPES:
        unsupported = f"{kind} recipients are not supported on this device; delete it"
        return await _recipients_page(request, caller, bus, {"error": unsupported}, 400)
    return entry


def copy_name(name: str) -> str:
    """``<name> copy``, the name shortened to fit the contract's 64 characters."""
    suffix = " copy"
    return name[: 64 - len(suffix)].rstrip() + suffix


@router.post("/recipients/{recipient_id}")
async def update_recipient(
    request: Request, recipient_id: PathId, caller: CallerDep, bus: ActingBusDep
) -> Response:
    """Replace a recipient with its form; an empty password keeps the stored one."""
    return await _save_recipient(request, caller, bus, recipient_id)


async def _save_recipient(
    request: Request, caller: Caller, bus: ActingBus, recipient_id: int | None
) -> Response:
    """Add (no id) or replace a recipient from its form, or test what the form holds."""
    form = await request.form()
    try:
        kind = _kind(form.get("type"))
    except NotFound as exc:
        return await _recipients_page(request, caller, bus, {"error": exc.message}, 400)
    spec = recipient_from_form(form, kind)
    if form.get("operation") == "test":
        return await _test_form(request, caller, bus, form, kind, spec, recipient_id)

    async def refused(exc: BusError) -> Response:
        errors = _field_errors(exc, kind)
        values = form_fields(form)
        return await _recipient_form(request, caller, kind, values, errors, recipient_id, 400)

    async def send() -> object:
        if recipient_id is None:
            return await bus.request(command_from_fields(CreateRecipient, recipient=spec))
        return await bus.request(
            command_from_fields(UpdateRecipient, recipient_id=recipient_id, recipient=spec)
        )

    return await submit(send, "/events/recipients", refused)


async def _test_form(
    request: Request,
    caller: Caller,
    bus: ActingBus,
    form: FormData,
    kind: str,
    spec: dict[str, Any],
    recipient_id: int | None,
) -> Response:
    """Test the recipient as the form has it, before saving (the stored password if empty)."""
    values = form_fields(form)
    try:
        result = await bus.request(
            command_from_fields(SendTestNotification, recipient_id=recipient_id, recipient=spec)
        )
    except REFUSALS as exc:
        errors = _field_errors(exc, kind)
        return await _recipient_form(request, caller, kind, values, errors, recipient_id, 400)
    outcome = "Sent" if result.is_ok else "Failed"
    note = {"test": f"{outcome}: {result.answer}"}
    return await _recipient_form(request, caller, kind, values, note, recipient_id)


@router.post("/recipients/{recipient_id}/test")
async def test_recipient(
    request: Request, recipient_id: PathId, caller: CallerDep, bus: ActingBusDep
) -> Response:
    key = f"recipient-{recipient_id}"
    try:
        result = await recipients.test_recipient(recipient_id, bus)
    except REFUSALS as exc:
        return await _recipients_page(request, caller, bus, {key: exc.message}, 400)
    outcome = "Sent" if result.is_ok else "Failed"
    return await _recipients_page(request, caller, bus, {key: f"{outcome}: {result.answer}"})


@router.post("/recipients/{recipient_id}/delete")
async def delete_recipient(
    request: Request, recipient_id: PathId, caller: CallerDep, bus: ActingBusDep
) -> Response:
    async def refused(exc: BusError) -> Response:
        key = f"recipient-{recipient_id}"
        return await _recipients_page(request, caller, bus, {key: exc.message}, 400)

    return await submit(
        lambda: recipients.delete_recipient(recipient_id, bus), "/events/recipients", refused
    )


# -- schedules -------------------------------------------------------------------------------
