"""The ASGI application: routes, error answers per audience, middleware, static files."""

from __future__ import annotations

import inspect
from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from nats.errors import MaxPayloadError
from prometheus_client import make_asgi_app
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.routing import Mount, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from actkit_core.bus import Publisher
from actkit_core.interest import Interest
from actkit_proto.errors import BusError
from actkit_web import api, onvif, pages, vapix
from actkit_web.api.openapi import API_DESCRIPTION, document_errors
from actkit_web.http.access import HttpAccessPolicy, HttpAccessState
from actkit_web.http.answers import (
    answer_bus_error,
    answer_bus_too_large,
    answer_invalid_request,
    answer_too_large,
)
from actkit_web.http.device import DeviceIdentity
from actkit_web.http.digest_leases import DigestLeases
from actkit_web.http.feed import PortFeed, ProgressFeed
from actkit_web.http.limits import BodyLimit, BodyTooLarge
from actkit_web.http.middleware import PageLanguage, RequestMetrics, SecurityHeaders
from actkit_web.settings import WebSettings
from actkit_web.vapix.stream_tokens import StreamTokens

STATIC = Path(__file__).parent / "static"
CGI_PREFIX = "/axis-cgi"
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
"""FastAPI's OpenTelemetry, which the web does not use (its metrics are Prometheus'): on, it
looks for a configured provider at each request."""


class WebApp(FastAPI):
    """FastAPI, with the VAPIX CGIs served ahead of its own layers.

    A CGI request goes through the web's middleware (all but the page's language, which no CGI
    answer is in) and the app's exception handlers straight to the CGIs: FastAPI's server
    error page, telemetry, body limit, exit stack and routing over every route took a tenth of
    the web's CPU of a port.cgi toggle. Anything else goes through FastAPI as it is.
    """

    cgis: Mount

    def build_middleware_stack(self) -> ASGIApp:
        handlers = {
            key: handler
            for key, handler in self.exception_handlers.items()
            if key not in (500, Exception)
        }
        cgis: ASGIApp = ExceptionMiddleware(CgiRoutes(self.cgis), handlers=handlers)
        for cls, args, kwargs in reversed(self.user_middleware):
            if cls is not PageLanguage:
                cgis = cls(cgis, *args, **kwargs)
        return CgisFirst(super().build_middleware_stack(), cgis)


class CgiRoutes:
    """The CGIs by path: a request for one goes straight to its endpoint, as Starlette's would.

    Starlette's router over the mount and the CGIs' router matched each route's pattern and
    took five more layers for every request (a fifteenth of the web's CPU of a port.cgi toggle);
    the CGIs' paths are fixed, so a dictionary finds them, and their errors reach the exception
    handlers of the ExceptionMiddleware around this. Anything else (an unknown path, a method
    the CGI does not answer, a root path) goes through Starlette's routing as it is, for its
    404, 405 and trailing-slash redirect.
    """

    def __init__(self, mount: Mount) -> None:
        self.router = Router([mount])
        self.prefix = mount.path
        self.routes = {
            mount.path + route.path: route
            for route in mount.routes
            if isinstance(route, Route) and inspect.iscoroutinefunction(route.endpoint)
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.routes.get(scope["path"])
        if (
            route is None
            or scope.get("root_path")
            or route.methods is None
            or scope["method"] not in route.methods
        ):
            await self.router(scope, receive, send)
            return
        # What the router, the mount and the route would have put in the scope.
        scope.setdefault("router", self.router)
        scope["route"] = route
        scope["path_params"] = {}
        scope.setdefault("app_root_path", "")
        scope["root_path"] = self.prefix
        scope["endpoint"] = route.endpoint
        response = await route.endpoint(Request(scope, receive, send))
        await response(scope, receive, send)


class CgisFirst:
    """Sends an HTTP request under ``/axis-cgi/`` to ``cgis``, anything else to ``app``."""

    def __init__(self, app: ASGIApp, cgis: ASGIApp) -> None:
        self.app = app
        self.cgis = cgis

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(CGI_PREFIX + "/"):
            await self.cgis(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def create_app(settings: WebSettings, bus: Publisher) -> FastAPI:
    """The web application, answering over ``bus`` on behalf of each authenticated caller."""
    app = WebApp(
        title="actkit",
        summary="REST API of the activation kit: what the dashboard does, for integrators.",
        description=API_DESCRIPTION,
        version="1",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        telemetry=NO_TELEMETRY,
    )
    app.state.settings = settings
    app.state.bus = bus
    # The feed and the ONVIF pull points hold io's port changes while they have a client.
    app.state.port_changes = Interest()
    app.state.feed = PortFeed(app.state.port_changes)
    app.state.progress = ProgressFeed()
    app.state.device = DeviceIdentity(bus, settings)
    app.state.stream_tokens = StreamTokens()
    app.state.http_access = HttpAccessState()
    app.state.onvif = onvif.OnvifState(port_changes=app.state.port_changes)
    app.state.digest_leases = DigestLeases()
    # Served ahead of FastAPI (WebApp); in its routes too, where the role matrix finds them.
    app.cgis = Mount(CGI_PREFIX, Router([route for cgis in vapix.CGIS for route in cgis.ROUTES]))
    app.router.routes.append(app.cgis)
    app.router.routes.extend(onvif.ROUTES)
    app.include_router(vapix.event_stream.router)
    for routes in (*api.RESOURCES, *pages.MENU_PAGES):
        app.include_router(routes.router)
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
    app.add_exception_handler(BodyTooLarge, answer_too_large)  # type: ignore[arg-type]
    app.add_exception_handler(MaxPayloadError, answer_bus_too_large)  # type: ignore[arg-type]
    app.openapi = document_errors(app)  # type: ignore[method-assign]
    # Innermost first: the access policy's and the body limit's answers still get the security
    # headers and metrics, and the body limit closes connections whose body the policy left.
    app.add_middleware(PageLanguage)
    app.add_middleware(HttpAccessPolicy, state=app.state.http_access)
    app.add_middleware(BodyLimit, answer=answer_too_large)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestMetrics)
    return app
