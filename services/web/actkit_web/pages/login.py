"""Create an administrator account (the first visit), log in and log out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from actkit_proto.accounts import (
    BeginOpenIdLogin,
    CompleteOpenIdLogin,
    CreateFirstAdministrator,
    GetSetupState,
)
from actkit_proto.errors import BusError, Conflict, Invalid, Unauthenticated, Unavailable
from actkit_web.api.session import end_session, set_session_cookie, start_session
from actkit_web.http.auth import SESSION_COOKIE, client_address, fitted
from actkit_web.http.deps import BusDep, CallerDep, SettingsDep, command_from_fields
from actkit_web.pages.language import remember_account_language
from actkit_web.pages.rendering import render_page
from actkit_web.pages.submit import REFUSALS, checkbox, field_errors

router = APIRouter(include_in_schema=False)
OPENID_STATE_COOKIE = "actkit_openid_state"
OPENID_STATE_MAX_AGE_S = 600
SIGN_IN_REFUSALS: tuple[type[BusError], ...] = (*REFUSALS, Unauthenticated, Unavailable)
"""What an OpenID login may meet: shown on the login page, never as an error page."""


SETUP_FIELDS = {
    "accept_licence": ("licence", "license"),
    "password": ("password",),
    "name": ("name",),
}


@router.get("/")
async def home() -> Response:
    return RedirectResponse("/status", status_code=303)


@router.get("/setup")
async def setup_page(request: Request, bus: BusDep, settings: SettingsDep) -> Response:
    state = await bus.request(GetSetupState(), settings.bus_timeout_s)
    if not state.is_setup_required:
        return RedirectResponse("/login", status_code=303)
    return render_page(request, "setup.html", None, errors={}, name="")


@router.post("/setup")
async def create_administrator(
    request: Request,
    bus: BusDep,
    settings: SettingsDep,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    password_again: Annotated[str, Form()] = "",
    accept_licence: Annotated[str, Form()] = "",
) -> Response:
    errors: dict[str, str] = {}
    if password != password_again:
        errors["password_again"] = "The two passwords differ; type the same password twice."
    if not errors:
        try:
            await bus.request(
                command_from_fields(
                    CreateFirstAdministrator,
                    name=name,
                    password=password,
                    accept_licence=checkbox(accept_licence),
                ),
                settings.bus_timeout_s,
            )
            session = await start_session(bus, settings, request, name, password)
        except Conflict:
            return RedirectResponse("/login", status_code=303)
        except (Invalid, Unauthenticated) as exc:
            errors = field_errors(exc, SETUP_FIELDS)
        else:
            response = RedirectResponse("/status", status_code=303)
            set_session_cookie(response, session, settings)
            return response
    return render_page(request, "setup.html", None, errors=errors, name=name, status_code=400)


@router.get("/login")
async def login_page(request: Request, next: str = "/status") -> Response:
    return render_page(request, "login.html", None, errors={}, name="", next=_local(next))


@router.post("/login")
async def log_in(
    request: Request,
    bus: BusDep,
    settings: SettingsDep,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/status",
) -> Response:
    try:
        session = await start_session(bus, settings, request, name, password)
    except (Unauthenticated, Invalid) as exc:
        return render_page(
            request,
            "login.html",
            None,
            errors={"form": exc.message},
            name=name,
            next=_local(next),
            status_code=401,
        )
    response = RedirectResponse(_local(next), status_code=303)
    set_session_cookie(response, session, settings)
    await remember_account_language(response, session.identity, bus, settings)
    return response


@router.get("/login/openid")
async def begin_openid_login(request: Request, bus: BusDep, settings: SettingsDep) -> Response:
    """Log in with OpenID: off to the provider, which sends the browser back to the callback."""
    try:
        start = await bus.request(
            fitted(
                BeginOpenIdLogin,
                redirect_uri=str(request.url_for("complete_openid_login")),
                client_address=client_address(request),
            ),
            settings.bus_timeout_s,
        )
    except SIGN_IN_REFUSALS as exc:
        return _login_refused(request, exc.message)
    response = RedirectResponse(start.authorization_url, status_code=303)
    # Binds the login to this browser: a callback carrying another browser's state is refused.
    # Lax, since the provider's redirect back is a navigation from another site.
    response.set_cookie(
        OPENID_STATE_COOKIE,
        start.state,
        max_age=OPENID_STATE_MAX_AGE_S,
        httponly=True,
        secure=settings.session_cookie_secure,
        samesite="lax",
        path="/login/openid",
    )
    return response


@router.get("/login/openid/callback", name="complete_openid_login")
async def complete_openid_login(
    request: Request,
    bus: BusDep,
    settings: SettingsDep,
    state: str = "",
    code: str = "",
    error: str = "",
) -> Response:
    """The provider's answer: a session with the role the token's claims give."""
    if error:
        return _login_refused(request, f"the OpenID provider refused the login ({error[:64]})")
    if not state or request.cookies.get(OPENID_STATE_COOKIE) != state:
        return _login_refused(
            request, "this OpenID login was not started in this browser; log in again"
        )
    try:
        session = await bus.request(
            fitted(
                CompleteOpenIdLogin, state=state, code=code, client_address=client_address(request)
            ),
            settings.bus_timeout_s,
        )
    except SIGN_IN_REFUSALS as exc:
        return _login_refused(request, exc.message)
    # The session cookie is SameSite=Strict, which a browser holds back for the rest of a
    # navigation that began at the provider: this page goes on from the device's own site.
    response = render_page(request, "signed_in.html", None, target="/status")
    set_session_cookie(response, session, settings)
    await remember_account_language(response, session.identity, bus, settings)
    response.delete_cookie(OPENID_STATE_COOKIE, path="/login/openid")
    return response


def _login_refused(request: Request, message: str) -> Response:
    return render_page(
        request,
        "login.html",
        None,
        errors={"form": message},
        name="",
        next="/status",
        status_code=401,
    )


@router.post("/logout")
async def log_out(caller: CallerDep, bus: BusDep, settings: SettingsDep) -> Response:
    await end_session(caller.session, bus, settings)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _local(target: str) -> str:
    """Only redirect within the site (no open redirects)."""
    return target if target.startswith("/") and not target.startswith("//") else "/status"
