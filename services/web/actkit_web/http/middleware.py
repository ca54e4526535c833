"""ASGI middleware: security headers, request metrics by route (metrics.py), the page's language."""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from actkit_web.metrics import REQUEST_SECONDS, REQUESTS
from actkit_web.pages.languages import COOKIE, chosen_language, use_language

PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
# Swagger UI starts from an inline script and sets inline styles.
DOCS_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
)


def _security_headers(policy: str, is_https: bool) -> tuple[tuple[bytes, bytes], ...]:
    headers = [
        (b"content-security-policy", policy.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"cache-control", b"no-store"),
    ]
    if is_https:
        headers.append((b"strict-transport-security", b"max-age=31536000"))
    return tuple(headers)


SECURITY_HEADERS = {
    (is_docs, is_https): _security_headers(DOCS_POLICY if is_docs else PAGE_POLICY, is_https)
    for is_docs in (False, True)
    for is_https in (False, True)
}
"""The headers added to each answer that has none of the name, by (API docs, HTTPS): made once."""


class SecurityHeaders:
    """Adds CSP, framing, sniffing, referrer and (over HTTPS) HSTS headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = SECURITY_HEADERS[
            scope["path"].startswith("/api/docs"), scope.get("scheme") == "https"
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(header for header in added if header[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestMetrics:
    """Counts requests and their latency by route template (never by raw path: bounded labels).

    Each label set's series is looked up once and kept (the labels are bounded).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._latencies: dict[str, Histogram] = {}
        self._counts: dict[tuple[str, str, int], Counter] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_time(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                self._latency(_route(scope)).observe(time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, send_and_time)
        finally:
            self._count(_route(scope), scope["method"], status).inc()

    def _latency(self, route: str) -> Histogram:
        series = self._latencies.get(route)
        if series is None:
            series = self._latencies[route] = REQUEST_SECONDS.labels(route)
        return series

    def _count(self, route: str, method: str, status: int) -> Counter:
        key = (route, method, status)
        series = self._counts.get(key)
        if series is None:
            series = self._counts[key] = REQUESTS.labels(route, method, str(status))
        return series


class PageLanguage:
    """Shows the request in the browser's chosen language (its cookie) or the one it accepts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = Headers(scope=scope)
            cookie = cookie_parser(headers.get("cookie", "")).get(COOKIE)
            use_language(chosen_language(cookie, headers.get("accept-language")))
        await self.app(scope, receive, send)


def _route(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"
