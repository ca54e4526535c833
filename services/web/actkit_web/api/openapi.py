"""The REST API's error answers and limits, as its OpenAPI document states them.

Every error answer is ``{"detail": "<a sentence>"}`` (422: the list of ``{loc, msg, type}``).
Which ones an operation documents follows from what it takes: the owners refuse values (400),
unknown ids and names (404) and changes that clash (409); the web refuses credentials (401), blocked
clients (429), turned-off protocols and low roles (403), large bodies (413), values outside the
schema (422), and says when an owner does not answer (503) or answers more than the bus carries
(502).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

from actkit_web.http.ids import MAX_ID
from actkit_web.http.limits import BODY_LIMIT_BYTES, KIB, UPLOAD_LIMIT_BYTES, UPLOADS, body_limit
from actkit_web.http.protocol import CONNECTION_LIMITS as C

PUBLIC = frozenset({("get", "/api/v1/setup"), ("post", "/api/v1/setup")})
"""Operations that need no credentials (logging in checks them, so it can answer 401)."""

_UPLOADS = ", ".join(sorted(f"{method} {path}" for method, path in UPLOADS))

API_DESCRIPTION = f"""
**Limits** at the HTTP edge, for every request:

- A request body: {BODY_LIMIT_BYTES // KIB} KiB; uploads ({_UPLOADS}): \
{UPLOAD_LIMIT_BYTES // KIB} KiB. More is 413, refused unread and before authentication when \
`Content-Length` announces it, else as soon as the body read is over; the connection closes.
- The request line and headers: {C.max_head_bytes // KIB} KiB and {C.max_headers} headers, \
else 431.
- Time: a request's line and headers must arrive within {C.head_timeout_s:g} s of its first \
byte (a connection's first request, of the connection), its body within \
{C.body_timeout_s:g} s and then at {C.body_min_rate_bps} bytes a second or more, else 408; \
a TLS handshake within {C.tls_handshake_timeout_s:g} s. Idle connections close after \
{C.keep_alive_s} s; beyond {C.max_connections} connections and requests at once, 503.
- Ids (rules, triggers, recipients, schedules, subscriptions, syslog servers), in paths and \
bodies: 1 to {MAX_ID}, else 422.

**Errors** answer `{{"detail": "<what went wrong and what to do>"}}`; a 422 lists what it \
refused: `{{"detail": [{{"loc", "msg", "type"}}]}}`.
"""


class ErrorAnswer(BaseModel):
    """What an error answer carries."""

    detail: str = Field(description="What went wrong, and what to do about it.")


def document_errors(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """``app.openapi`` with each operation's error answers added to FastAPI's document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault("ErrorAnswer", ErrorAnswer.model_json_schema())
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                answers = operation.setdefault("responses", {})
                for status, description in error_answers(method, path, operation).items():
                    answers.setdefault(
                        str(status),
                        {
                            "description": description,
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ErrorAnswer"}
                                }
                            },
                        },
                    )
                operation["responses"] = dict(sorted(answers.items()))
        return schema

    return openapi


def error_answers(method: str, path: str, operation: dict[str, Any]) -> dict[int, str]:
    """The error statuses ``operation`` (at ``method`` ``path``) may answer, described."""
    places = {parameter.get("in") for parameter in operation.get("parameters", [])}
    has_body = "requestBody" in operation
    changes = method != "get"
    answers = {
        403: "This protocol (HTTP or HTTPS) is turned off, or the caller's role is too low.",
        502: "The owner's answer is larger than the device's message bus carries.",
        503: "The service that owns this does not answer; the sentence names it.",
    }
    if (method, path) not in PUBLIC:
        answers[401] = "No credentials, or wrong ones (with a WWW-Authenticate challenge)."
        answers[429] = "The client is blocked after repeated failures (see Retry-After)."
    if has_body or places or changes:
        answers[400] = "The owner refuses a value; the sentence names it."
    if has_body or places:
        answers[404] = "Nothing has the id or name given."
    if changes:
        answers[409] = "The change clashes with the device's state (a limit, a use, a name)."
    if has_body:
        limit_kib = body_limit(method.upper(), path) // KIB
        answers[413] = f"The body is over {limit_kib} KiB, or more than the bus carries."
    return answers
