"""Legal (context menu): the cookies the dashboard sets and the third-party components shipped."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from actkit_web.http.auth import SESSION_COOKIE
from actkit_web.http.deps import CallerDep
from actkit_web.pages import third_party
from actkit_web.pages.login import OPENID_STATE_COOKIE
from actkit_web.pages.rendering import render_page

router = APIRouter(include_in_schema=False)


@router.get("/legal")
async def legal_page(request: Request, caller: CallerDep) -> Response:
    return render_page(
        request,
        "legal.html",
        caller,
        session_cookie=SESSION_COOKIE,
        openid_cookie=OPENID_STATE_COOKIE,
        python_packages=third_party.as_rows(third_party.listed_packages()),
        vendored=third_party.as_rows(third_party.VENDORED),
    )
