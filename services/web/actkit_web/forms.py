"""The one shape of a form post: send a command; on refusal show the page again with the reason."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi.responses import RedirectResponse
from starlette.responses import Response

from actkit_proto.errors import BusError, Conflict, Invalid, NotFound

REFUSALS: tuple[type[BusError], ...] = (Invalid, Conflict, NotFound)
"""What the owner answers about the input: shown on the page, never as an error page."""

Refused = Callable[[BusError], Awaitable[Response]]


async def submit(send: Callable[[], Awaitable[object]], done: str, refused: Refused) -> Response:
    """Send (``send`` builds the command too, so a contract error is a refusal) and go to ``done``.

    A refusal (:data:`REFUSALS`) renders the page again through ``refused``; anything else
    (401, 403, 503) reaches the app's error answer.
    """
    try:
        await send()
    except REFUSALS as exc:
        return await refused(exc)
    return RedirectResponse(done, status_code=303)
