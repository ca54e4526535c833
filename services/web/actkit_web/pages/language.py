"""The header's language menu: the choice kept in the browser, and in the account when logged in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from actkit_core.bus import Publisher
from actkit_proto.accounts import GetLanguage, Identity, SetLanguage
from actkit_proto.base import Actor
from actkit_proto.errors import Invalid, NotFound
from actkit_web.http.auth import SESSION_COOKIE
from actkit_web.http.deps import ActingBus, SettingsDep, acting_bus
from actkit_web.pages.languages import COOKIE, LANGUAGES
from actkit_web.settings import WebSettings

router = APIRouter(include_in_schema=False)
COOKIE_MAX_AGE_S = 365 * 24 * 3600


@router.post("/language")
async def choose_language(
    request: Request,
    settings: SettingsDep,
    language: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/status",
) -> Response:
    """Show the dashboard in ``language``; a logged-in account keeps it as its preference."""
    if language not in LANGUAGES:
        raise Invalid(f"language: {language!r} is none of {', '.join(LANGUAGES)}")
    if SESSION_COOKIE in request.cookies:
        # The session and the form's CSRF token are checked as for every other form post.
        await (await acting_bus(request)).request(SetLanguage(language=language))
    response = RedirectResponse(_local(next), status_code=303)
    remember_language(response, language, settings)
    return response


async def remember_account_language(
    response: Response, identity: Identity, bus: Publisher, settings: WebSettings
) -> None:
    """At login, the browser takes the language the account chose, if it chose one of ours.

    An OpenID login may have no account of its own: the browser's choice stays then.
    """
    acting = ActingBus(bus, Actor(name=identity.name, role=identity.role), settings.bus_timeout_s)
    try:
        language = (await acting.request(GetLanguage())).language
    except NotFound:
        return
    if language in LANGUAGES:
        remember_language(response, language, settings)


def remember_language(response: Response, language: str, settings: WebSettings) -> None:
    """Keep the choice in the browser (readable by no script; sent only to this site)."""
    response.set_cookie(
        COOKIE,
        language,
        max_age=COOKIE_MAX_AGE_S,
        path="/",
        httponly=True,
        secure=settings.session_cookie_secure,
        samesite="strict",
    )


def _local(target: str) -> str:
    """Only redirect within the site (no open redirects)."""
    return target if target.startswith("/") and not target.startswith("//") else "/status"
