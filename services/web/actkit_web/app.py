"""The ASGI application: routes, error answers per audience, middleware, static files."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import make_asgi_app
from starlette.responses import Response
from starlette.routing import Router

from actkit_core.bus import Publisher
from actkit_proto.accounts import GetSetupState
from actkit_proto.errors import BusError, TooManyRequests, Unauthenticated
from actkit_web.auth import SESSION_COOKIE, challenge
from actkit_web.config_pages import router as config_pages_router
from actkit_web.device import DeviceIdentity
from actkit_web.event_pages import router as event_pages_router
from actkit_web.feed import PortFeed, ProgressFeed
from actkit_web.http_access import HttpAccessPolicy, HttpAccessState, audience
from actkit_web.maintenance_pages import router as maintenance_pages_router
from actkit_web.middleware import AUTH_FAILURES, RequestMetrics, SecurityHeaders
from actkit_web.pages import router as pages_router
from actkit_web.pages import templates
from actkit_web.recipient_pages import router as recipient_pages_router
from actkit_web.routes import (
    accounts,
    ble,
    event_stream,
    firewall,
    logs,
    maintenance,
    mqtt,
    network,
    onvif,
    plain_config,
    ports,
    recipients,
    rules,
    schedules,
    security,
    session,
    system,
    triggers,
    vapix,
    vapix_mqtt,
    wlan,
)
from actkit_web.routes.vapix import error_text
from actkit_web.settings import WebSettings
from actkit_web.settings_pages import settings_router
from actkit_web.stream_tokens import StreamTokens
from actkit_web.system_pages import router as system_pages_router
from actkit_web.system_settings import PAGES as SETTINGS_PAGES
from actkit_web.system_settings import router as system_settings_router

STATIC = Path(__file__).parent / "static"
_RETRY_AFTER = re.compile(r"(\d+)\s*s\b")


def create_app(settings: WebSettings, bus: Publisher) -> FastAPI:
    """The web application, answering over ``bus`` on behalf of each authenticated caller."""
    app = FastAPI(
        title="actkit",
        summary="REST API of the activation kit: what the dashboard does, for integrators.",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.bus = bus
    app.state.feed = PortFeed()
    app.state.progress = ProgressFeed()
    app.state.device = DeviceIdentity(bus, settings)
    app.state.stream_tokens = StreamTokens()
    app.state.http_access = HttpAccessState()
    # First, so that a VAPIX request is matched at once (see actkit_web.routes.vapix).
    app.mount("/axis-cgi", Router([*vapix.ROUTES, *vapix_mqtt.ROUTES, *event_stream.CGI_ROUTES]))
    app.include_router(session.router)
    app.include_router(ports.router)
    app.include_router(event_stream.router)
    app.include_router(accounts.router)
    app.include_router(security.router)
    app.include_router(rules.router)
    app.include_router(triggers.router)
    for owned_settings in (system, network, wlan, firewall, mqtt, onvif, ble):
        app.include_router(owned_settings.router)
    app.include_router(recipients.router)
    app.include_router(schedules.router)
    app.include_router(logs.router)
    app.include_router(plain_config.router)
    app.include_router(maintenance.router)
    app.include_router(pages_router)
    app.include_router(system_pages_router)
    app.include_router(event_pages_router)
    app.include_router(recipient_pages_router)
    app.include_router(config_pages_router)
    app.include_router(maintenance_pages_router)
    app.include_router(settings_router(SETTINGS_PAGES))
    app.include_router(system_settings_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/metrics", make_asgi_app())

    @app.get("/api/docs", include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="actkit REST API",
            swagger_js_url="/static/vendor/swagger-ui-bundle-5.35.0.js",
            swagger_css_url="/static/vendor/swagger-ui-5.35.0.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    app.add_exception_handler(BusError, answer_bus_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, answer_invalid_request)  # type: ignore[arg-type]
    # Innermost first: the access policy's answers still get the security headers and metrics.
    app.add_middleware(HttpAccessPolicy, state=app.state.http_access)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestMetrics)
    return app


async def answer_bus_error(request: Request, exc: BusError) -> Response:
    """Turn an owner's refusal into the HTTP answer its audience expects.

    API paths never redirect (clients treat a 3xx as failure); pages send people to log in.
    """
    status = int(exc.code.value)
    where = audience(request.url.path)
    settings: WebSettings = request.app.state.settings
    bus: Publisher = request.app.state.bus
    headers: list[tuple[str, str]] = []
    if isinstance(exc, Unauthenticated | TooManyRequests):
        AUTH_FAILURES.labels(_scheme(request), str(status)).inc()
    if isinstance(exc, TooManyRequests):
        found = _RETRY_AFTER.search(exc.message)
        headers.append(("Retry-After", found.group(1) if found else "30"))
    if isinstance(exc, Unauthenticated):
        if where == "page":
            return await _to_login(request, bus, settings)
        headers += [
            ("WWW-Authenticate", value)
            for value in await challenge(bus, request, settings.bus_timeout_s)
        ]
    response: Response
    if where == "api":
        response = JSONResponse({"detail": exc.message}, status_code=status)
    elif where == "vapix":
        response = PlainTextResponse(error_text(exc), status_code=status)
    else:
        response = templates.TemplateResponse(
            request, "error.html", {"status": status, "message": exc.message}, status_code=status
        )
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
    problems = [
        {"loc": list(error.get("loc", ())), "msg": error.get("msg", "")} for error in exc.errors()
    ]
    if audience(request.url.path) == "vapix":
        return PlainTextResponse(f"# Error: {problems}\n", status_code=400)
    return JSONResponse({"detail": problems}, status_code=422)


def _scheme(request: Request) -> str:
    scheme = request.headers.get("authorization", "").partition(" ")[0].lower()
    if scheme in ("basic", "digest"):
        return scheme
    return "session" if request.cookies.get(SESSION_COOKIE) else "anonymous"
