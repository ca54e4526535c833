"""Create an administrator account (the first visit), log in and log out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from actkit_proto.accounts import CreateFirstAdministrator, GetSetupState
from actkit_proto.errors import Conflict, Invalid, Unauthenticated
from actkit_web.api.session import end_session, set_session_cookie, start_session
from actkit_web.http.auth import SESSION_COOKIE
from actkit_web.http.deps import BusDep, CallerDep, SettingsDep, command_from_fields
from actkit_web.pages.rendering import render_page
from actkit_web.pages.submit import field_errors

router = APIRouter(include_in_schema=False)


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
    accept_licence: Annotated[bool, Form()] = False,
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
                    accept_licence=accept_licence,
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
    return response


@router.post("/logout")
async def log_out(caller: CallerDep, bus: BusDep, settings: SettingsDep) -> Response:
    await end_session(caller.session, bus, settings)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _local(target: str) -> str:
    """Only redirect within the site (no open redirects)."""
    return target if target.startswith("/") and not target.startswith("//") else "/status"
