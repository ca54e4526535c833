"""System > Security: how clients authenticate, brute-force blocking, failed attempts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from actkit_proto.accounts import (
    AuthSettings,
    BruteForceSettings,
    SetAuthSettings,
    SetBruteForceSettings,
)
from actkit_web.api import security
from actkit_web.http.auth import Caller
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep, command_from_fields
from actkit_web.pages.rendering import render_page
from actkit_web.pages.submit import REFUSALS, checkbox, field_errors

router = APIRouter(prefix="/system", include_in_schema=False)


async def _security_page(
    request: Request,
    caller: Caller,
    bus: ActingBus,
    errors: dict[str, str],
    status: int = 200,
    typed: dict[str, object] | None = None,
) -> Response:
    """The page; a refused form comes back as it was ``typed``, the other as the owner has it."""
    auth = (await security.get_authentication(bus)).model_dump(mode="json")
    brute_force = (await security.get_brute_force(bus)).model_dump(mode="json")
    typed = typed or {}
    return render_page(
        request,
        "security.html",
        caller,
        auth={**auth, **{key: value for key, value in typed.items() if key in auth}},
        brute_force={**brute_force, **{k: v for k, v in typed.items() if k in brute_force}},
        access_log=(await security.list_access_failures(bus, 50)).entries,
        errors=errors,
        status_code=status,
    )


@router.get("/security")
async def security_page(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _security_page(request, caller, bus, {})


@router.post("/security/authentication")
async def set_authentication(
    request: Request,
    caller: CallerDep,
    bus: ActingBusDep,
    http_authentication: Annotated[str, Form()] = "auto",
    allow_anonymous_viewing: Annotated[str, Form()] = "",
) -> Response:
    try:
        await bus.request(
            command_from_fields(
                SetAuthSettings,
                http_authentication=http_authentication,
                allow_anonymous_viewing=checkbox(allow_anonymous_viewing),
                allow_anonymous_ptz=None,
            )
        )
    except REFUSALS as exc:
        fields = {name: (name,) for name in AuthSettings.model_fields}
        typed = {
            "http_authentication": http_authentication,
            "allow_anonymous_viewing": allow_anonymous_viewing == "true",
        }
        return await _security_page(request, caller, bus, field_errors(exc, fields), 400, typed)
    return RedirectResponse("/system/security", status_code=303)


@router.post("/security/brute-force")
async def set_brute_force(
    request: Request,
    caller: CallerDep,
    bus: ActingBusDep,
    is_enabled: Annotated[str, Form()] = "",
    blocking_period_s: Annotated[str, Form()] = "",
    failures_per_page: Annotated[str, Form()] = "",
    failures_per_device: Annotated[str, Form()] = "",
) -> Response:
    try:
        await bus.request(
            command_from_fields(
                SetBruteForceSettings,
                is_enabled=checkbox(is_enabled),
                blocking_period_s=blocking_period_s,
                failures_per_page=failures_per_page,
                failures_per_device=failures_per_device,
            )
        )
    except REFUSALS as exc:
        fields = {name: (name,) for name in BruteForceSettings.model_fields}
        typed = {
            "is_enabled": is_enabled == "true",
            "blocking_period_s": blocking_period_s,
            "failures_per_page": failures_per_page,
            "failures_per_device": failures_per_device,
        }
        return await _security_page(request, caller, bus, field_errors(exc, fields), 400, typed)
    return RedirectResponse("/system/security", status_code=303)
