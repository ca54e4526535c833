"""REST: first-run setup and browser sessions (log in, who am I, log out)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from actkit_proto.accounts import (
    AccountName,
    CreateFirstAdministrator,
    CreateSession,
    EndSession,
    GetSetupState,
    Identity,
    Password,
    Session,
    SetupState,
)
from actkit_proto.base import Role
from actkit_web.http.auth import SESSION_COOKIE, client_address, fitted
from actkit_web.http.deps import BusDep, CallerDep, SettingsDep
from actkit_web.settings import WebSettings

router = APIRouter(prefix="/api/v1", tags=["session"])


class NewAdministrator(BaseModel):
    name: AccountName
    password: Password
    accept_licence: bool


class Credentials(BaseModel):
    name: str
    password: str


class SessionInfo(BaseModel):
    name: str
    role: Role
    csrf_token: str
    """Send it back in the ``X-CSRF-Token`` header with every change made with the cookie."""
    expires_at: datetime | None = None


@router.get("/setup")
async def get_setup_state(bus: BusDep, settings: SettingsDep) -> SetupState:
    """Whether the first administrator must still be created (no authentication needed)."""
    return await bus.request(GetSetupState(), settings.bus_timeout_s)


@router.post("/setup", status_code=201)
async def create_first_administrator(
    body: NewAdministrator, bus: BusDep, settings: SettingsDep
) -> Identity:
    """Create the first administrator; allowed once, without authentication (409 after)."""
    return await bus.request(
        CreateFirstAdministrator(
            name=body.name, password=body.password, accept_licence=body.accept_licence
        ),
        settings.bus_timeout_s,
    )


@router.post("/session", status_code=201)
async def log_in(
    body: Credentials, request: Request, response: Response, bus: BusDep, settings: SettingsDep
) -> SessionInfo:
    """Log in: sets the session cookie and answers the CSRF token."""
    session = await start_session(bus, settings, request, body.name, body.password)
    set_session_cookie(response, session, settings)
    return _info(session)


@router.get("/session")
async def get_session(caller: CallerDep) -> SessionInfo:
    """Who is logged in with this cookie (or these credentials)."""
    assert caller.identity is not None
    token = caller.session.csrf_token if caller.session else ""
    return SessionInfo(name=caller.identity.name, role=caller.identity.role, csrf_token=token)


@router.delete("/session", status_code=204)
async def log_out(
    caller: CallerDep, response: Response, bus: BusDep, settings: SettingsDep
) -> None:
    """Log out: forget the session and clear the cookie."""
    await end_session(caller.session, bus, settings)
    response.delete_cookie(SESSION_COOKIE, path="/")


async def start_session(
    bus: BusDep, settings: WebSettings, request: Request, name: str, password: str
) -> Session:
    return await bus.request(
        fitted(CreateSession, name=name, password=password, client_address=client_address(request)),
        settings.bus_timeout_s,
    )


async def end_session(session: Session | None, bus: BusDep, settings: WebSettings) -> None:
    if session is not None:
        await bus.request(EndSession(token=session.token), settings.bus_timeout_s)


def set_session_cookie(response: Response, session: Session, settings: WebSettings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        httponly=True,
        secure=settings.session_cookie_secure,
        samesite="strict",
        path="/",
    )


def _info(session: Session) -> SessionInfo:
    return SessionInfo(
        name=session.identity.name,
        role=session.identity.role,
        csrf_token=session.csrf_token,
        expires_at=session.expires_at,
    )
