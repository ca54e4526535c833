"""Error answers in the shape each audience reads: JSON for the API, a line for VAPIX, a page."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse
from nats.errors import MaxPayloadError
from starlette.responses import Response

from actkit_core.bus import Publisher
from actkit_proto.accounts import GetSetupState
from actkit_proto.errors import BusError, ErrorCode, TooManyRequests, Unauthenticated
from actkit_web.http.access import audience
from actkit_web.http.auth import SESSION_COOKIE, challenge
from actkit_web.http.limits import BodyTooLarge, too_large_message
from actkit_web.metrics import AUTH_FAILURES
from actkit_web.pages.rendering import templates
from actkit_web.settings import WebSettings

_RETRY_AFTER = re.compile(r"(\d+)\s*s\b")
_NATS_TOO_LARGE = repr(MaxPayloadError())
"""What nats.micro answers (code 500) when an owner's reply is over the bus's payload limit."""

BUS_REQUEST_TOO_LARGE = (
    "the request is larger than the device's message bus carries in one message "
    "(1 MB as shipped); send less at once"
)
BUS_REPLY_TOO_LARGE = (
    "the answer is larger than the device's message bus carries in one message "
    "(1 MB as shipped); ask for less at once (a lower limit, a narrower filter)"
)


def error_answer(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    """``message`` with ``status``: ``{"detail": message}``, a VAPIX error line, or a page."""
    where = audience(request.url.path)
    response: Response
    if where == "api":
        response = JSONResponse({"detail": message}, status_code=status, headers=headers)
    elif where == "vapix":
        line = " ".join(message.split())
        response = PlainTextResponse(f"# Error: {line}\n", status_code=status, headers=headers)
    else:
        response = templates.TemplateResponse(
            request,
            "error.html",
            {"status": status, "message": message},
            status_code=status,
            headers=headers,
        )
    return response


async def answer_bus_error(request: Request, exc: BusError) -> Response:
    """Turn an owner's refusal into the HTTP answer its audience expects.

    API paths never redirect (clients treat a 3xx as failure); pages send people to log in.
    """
    if exc.code is ErrorCode.INTERNAL and exc.message == _NATS_TOO_LARGE:
        return error_answer(request, 502, BUS_REPLY_TOO_LARGE)
    status = int(exc.code.value)
    settings: WebSettings = request.app.state.settings
    bus: Publisher = request.app.state.bus
    headers: list[tuple[str, str]] = []
    if isinstance(exc, Unauthenticated | TooManyRequests):
        AUTH_FAILURES.labels(_scheme(request), str(status)).inc()
    if isinstance(exc, TooManyRequests):
        found = _RETRY_AFTER.search(exc.message)
        headers.append(("Retry-After", found.group(1) if found else "30"))
    if isinstance(exc, Unauthenticated):
        if audience(request.url.path) == "page":
            return await _to_login(request, bus, settings)
        headers += [
            ("WWW-Authenticate", value)
            for value in await challenge(bus, request, settings.bus_timeout_s)
        ]
    response = error_answer(request, status, exc.message)
    for name, value in headers:
        response.headers.append(name, value)
    return response


async def _to_login(request: Request, bus: Publisher, settings: WebSettings) -> Response:
    state = await bus.request(GetSetupState(), settings.bus_timeout_s)
    target = "/setup" if state.is_setup_required else f"/login?next={quote(request.url.path)}"
    response = RedirectResponse(target, status_code=303)
    if request.cookies.get(SESSION_COOKIE):
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def answer_invalid_request(request: Request, exc: RequestValidationError) -> Response:
    """422 with ``detail: [{loc, msg, type}]``, the OpenAPI's ``HTTPValidationError``.

    A page answers the same problems as sentences. The optional ``input`` is left out: it
    would echo what was sent, passwords included.
    """
    problems = [
        {
            "loc": list(error.get("loc", ())),
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "value_error")),
        }
        for error in exc.errors()
    ]
    where = audience(request.url.path)
    if where == "vapix":
        return PlainTextResponse(f"# Error: {problems}\n", status_code=400)
    if where == "page":  # a person reads a sentence, not JSON (a crafted form or address)
        sentence = "; ".join(f"{problem['loc'][-1]}: {problem['msg']}" for problem in problems)
        return error_answer(request, 422, sentence)
    return JSONResponse({"detail": problems}, status_code=422)


async def answer_too_large(request: Request, exc: BodyTooLarge) -> Response:
    """413 for a body found too large while it was read (chunked, or longer than announced)."""
    return error_answer(
        request, 413, too_large_message(exc.limit_bytes), headers={"Connection": "close"}
    )


async def answer_bus_too_large(request: Request, _exc: MaxPayloadError) -> Response:
    """413 for a command the bus cannot carry: the client can only fix it by sending less."""
    return error_answer(request, 413, BUS_REQUEST_TOO_LARGE)


def _scheme(request: Request) -> str:
    scheme = request.headers.get("authorization", "").partition(" ")[0].lower()
    if scheme in ("basic", "digest"):
        return scheme
    return "session" if request.cookies.get(SESSION_COOKIE) else "anonymous"
