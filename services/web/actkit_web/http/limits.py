"""Request body limits per route, enforced while the body is read, before anything else reads it.

A body announced larger than its route takes (``Content-Length``) is refused before the
application sees the request, so neither authentication nor a route reads a byte of it; a
chunked body is counted as it is read and refused once over. Either way the answer is 413 with
``Connection: close``, so the rest of the body is not read either.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

KIB = 1024
BODY_LIMIT_BYTES = 64 * KIB
"""Any JSON or form body: the largest command the contract allows is a few kilobytes."""
UPLOAD_LIMIT_BYTES = 256 * KIB
"""Files: an upgrade bundle (a manifest of at most 100,000 characters, escaped in JSON, and its
signature), an app's package and each piece of its image, the whole plain config at once, a
certificate with its chain or a PFX; still well under the bus's 1 MB per message."""

UPLOADS = frozenset(
    {
        ("POST", "/api/v1/upgrade"),
        ("POST", "/maintenance/upgrade"),
        ("PUT", "/api/v1/apps/upload"),
        ("POST", "/api/v1/apps"),
        ("PATCH", "/api/v1/config"),
        ("POST", "/system/plain-config"),
        ("POST", "/api/v1/certificates"),
        ("POST", "/system/certificates/import"),
    }
)
"""The routes that take files or whole configurations: (method, path)."""


def body_limit(method: str, path: str) -> int:
    """The most bytes of body the route at ``method`` ``path`` takes."""
    return UPLOAD_LIMIT_BYTES if (method, path) in UPLOADS else BODY_LIMIT_BYTES


def too_large_message(limit_bytes: int) -> str:
    """What a 413 says: the limit, and what to do about it."""
    return (
        f"the request body is larger than this address takes ({limit_bytes // KIB} KiB at most); "
        "send a smaller one"
    )


class BodyTooLarge(HTTPException):
    """Raised by the counting ``receive`` once a body is over its route's limit.

    An ``HTTPException``, so that FastAPI passes it on as it is instead of a 400 "error parsing
    the body"; the app's exception handler for it answers in the caller's format.
    """

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(413, too_large_message(limit_bytes), headers={"Connection": "close"})
        self.limit_bytes = limit_bytes


Answer = Callable[[Request, BodyTooLarge], Awaitable[Response]]


class BodyLimit:
    """Refuses bodies over their route's limit: by ``Content-Length`` up front, else as read.

    It also closes the connection after answering a request whose body was not read to its end,
    so a route that takes no body never makes the server read one for nothing.
    """

    def __init__(self, app: ASGIApp, answer: Answer) -> None:
        self.app = app
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["method"], scope["path"])
        headers = Headers(scope=scope)
        announced = _content_length(headers)
        if announced is not None and announced > limit:
            response = await self.answer(Request(scope, receive), BodyTooLarge(limit))
            await response(scope, receive, send)
            return
        if not announced and "chunked" not in headers.get("transfer-encoding", "").lower():
            # No body: nothing to count, and nothing left unread to close the connection for.
            await self.app(scope, receive, send)
            return
        received = 0
        is_read = False
        is_started = False

        async def counted() -> Message:
            nonlocal received, is_read
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
                is_read = not message.get("more_body", False)
            return message

        async def closing_if_unread(message: Message) -> None:
            nonlocal is_started
            if message["type"] == "http.response.start":
                is_started = True
                sent = list(message.get("headers", []))
                if not is_read and all(name.lower() != b"connection" for name, _ in sent):
                    message["headers"] = [*sent, (b"connection", b"close")]
            await send(message)

        try:
            await self.app(scope, counted, closing_if_unread)
        except BodyTooLarge as exc:
            # Raised where no exception handler answers it (outside a route); the app's own
            # handler answers it inside routes.
            if is_started:
                raise
            response = await self.answer(Request(scope, receive), exc)
            await response(scope, receive, send)


def _content_length(headers: Headers) -> int | None:
    value = headers.get("content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None
