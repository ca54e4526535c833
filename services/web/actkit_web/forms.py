"""The one shape of a form post: send a command; on refusal show the page again with the reason."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi.responses import RedirectResponse
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
