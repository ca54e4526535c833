"""The one shape of a form post: send a command; on refusal show the page again with the reason.

And the owner's sentences put next to the fields they are about.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData
from starlette.responses import Response

from actkit_proto.errors import BusError, Conflict, Invalid, NotFound

REFUSALS: tuple[type[BusError], ...] = (Invalid, Conflict, NotFound)
"""What the owner answers about the input: shown on the page, never as an error page."""

Refused = Callable[[BusError], Awaitable[Response]]
T = TypeVar("T")


async def submit(
    send: Callable[[], Awaitable[T]],
    done: str,
    refused: Refused,
    answered: Callable[[T], Awaitable[Response]] | None = None,
) -> Response:
    """Send (``send`` builds the command too, so a contract error is a refusal) and go to ``done``.

    A refusal (:data:`REFUSALS`) renders the page again through ``refused``; anything else
    (401, 403, 503) reaches the app's error answer. ``answered``, if given, makes the response
    from the owner's answer instead (what it says about what was saved).
    """
    try:
        answer = await send()
    except REFUSALS as exc:
        return await refused(exc)
    if answered is not None:
        return await answered(answer)
    return RedirectResponse(done, status_code=303)


def field_errors(exc: BusError, fields: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """The owner's sentences, each put next to the field it is about, else on the form.

    A sentence is about a field when it starts ``field: `` (a validation error, possibly with
    the path to it) or names one of the field's words (``fields`` maps each field to them).
    """
    errors: dict[str, str] = {}
    for problem in exc.message.split("; "):
        field, separator, sentence = problem.partition(": ")
        if separator and field not in fields:
            # A nested field (``recipient.email.to.0``) belongs to its innermost known name.
            field = next((part for part in reversed(field.split(".")) if part in fields), field)
        if not (separator and field in fields):
            words = problem.lower()
            field = next((f for f, keys in fields.items() if any(k in words for k in keys)), "form")
            sentence = problem
        errors[field] = f"{errors.get(field, '')} {sentence}".strip()
    return errors


TICKED = {"true": True, "on": True, "false": False, "": False}
"""What a checkbox sends ticked (its value, ``on`` without one) and what a form sends for it not
ticked (nothing, or a hidden ``false``)."""


def checkbox(value: str) -> bool | str:
    """Whether a checkbox (or a true/false choice) was ticked, or what a crafted form sent.

    A value no form sends is passed on as sent, for the contract to refuse naming its field:
    the page shows the refusal beside the box, with the rest of the form as it was sent.
    """
    return TICKED.get(value, value)


def form_fields(form: FormData) -> dict[str, str]:
    """A submitted form's text fields, to fill the form in again after a refusal."""
    return {key: value for key, value in form.items() if isinstance(value, str)}
