"""HTTP and HTTPS access as the network settings allow: a disallowed protocol redirects or refuses.

The manual's "Allow access through" HTTP, HTTPS or both. Over a protocol that is not allowed,
a person's page request is redirected to the allowed one, and every other request (the REST API,
VAPIX, form posts, websockets) is refused with a sentence naming the URL to use: API clients
treat a redirect as a failure (VAPIX clients never follow one), so they are told instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import URL
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from actkit_proto.network import HttpAccess

REDIRECTED_METHODS = frozenset({"GET", "HEAD"})


def audience(path: str) -> str:
    """Who reads an answer: ``api`` (JSON), ``vapix`` (CGI clients) or ``page`` (a person)."""
    if path.startswith("/api/"):
        return "api"
    if path.startswith(("/axis-cgi/", "/vapix/")):
        return "vapix"
    return "page"


@dataclass
class HttpAccessState:
    """What the web serves now: the allowed protocols and the ports it listens on."""

    access: HttpAccess = HttpAccess.BOTH
    http_port: int = 0
    https_port: int = 0

    def instead(self, scheme: str) -> str | None:
        """The protocol to use when ``scheme`` (http, https, ws, wss) is not allowed, else None."""
        is_secure = scheme in ("https", "wss")
        if self.access is HttpAccess.HTTPS and not is_secure:
            return "https"
        if self.access is HttpAccess.HTTP and is_secure:
            return "http"
        return None

    def url_for(self, scheme: str, url: URL) -> str:
        """``url`` on the same host over ``scheme``, at the port that protocol listens on."""
        host = url.hostname or "localhost"
        if ":" in host:
            host = f"[{host}]"
        port = self.https_port if scheme == "https" else self.http_port
        default = 443 if scheme == "https" else 80
        netloc = host if port == default else f"{host}:{port}"
        return str(url.replace(scheme=scheme, netloc=netloc))


class HttpAccessPolicy:
    """Redirects or refuses requests over a protocol the network settings do not allow."""

    def __init__(self, app: ASGIApp, state: HttpAccessState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        scheme = self.state.instead(scope.get("scheme", "http"))
        if scheme is None:
            await self.app(scope, receive, send)
            return
        target = self.state.url_for(scheme, URL(scope=scope))
        if scope["type"] == "websocket":
            # Closing before accepting refuses the handshake (403).
            await send({"type": "websocket.close", "code": 1008, "reason": f"use {scheme}"})
            return
        await refusal(scope, target, scheme)(scope, receive, send)


def refusal(scope: Scope, target: str, scheme: str) -> Response:
    """A redirect to ``target`` for a person's page, else a 403 saying where to go."""
    where = audience(scope["path"])
    turned_off = "HTTPS" if scheme == "http" else "HTTP"
    message = (
        f"{turned_off} is turned off on this device (System > Network > HTTP and HTTPS, "
        f"Allow access through); use {target}"
    )
    response: Response
    if where == "page" and scope["method"] in REDIRECTED_METHODS:
        response = RedirectResponse(target, status_code=307)
    elif where == "api":
        response = JSONResponse({"detail": message}, status_code=403)
    else:
        response = PlainTextResponse(f"# Error: {message}\n", status_code=403)
    if scheme == "http":
        # Browsers pinned to HTTPS by an earlier HSTS header must be let go.
        response.headers["Strict-Transport-Security"] = "max-age=0"
    return response
