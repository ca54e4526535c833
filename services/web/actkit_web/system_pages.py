"""Dashboard pages under System: Accounts and Security, through the same route functions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from actkit_proto.accounts import (
    AddAccount,
    AuthSettings,
    BruteForceSettings,
    DeleteAccount,
    SetAuthSettings,
    SetBruteForceSettings,
    UpdateAccount,
)
from actkit_proto.base import Role
from actkit_proto.errors import Conflict, Invalid, NotFound
from actkit_web.api import accounts, security
from actkit_web.http.auth import Caller
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep, command_from_fields
from actkit_web.pages import field_errors, render_page

router = APIRouter(prefix="/system", include_in_schema=False)
ROLES = [(role.value, role.name.capitalize()) for role in Role]
ACCOUNT_FIELDS = {"name": ("name",), "password": ("password",), "role": ("role",)}
REFUSALS = (Invalid, Conflict, NotFound)


def _done(target: str) -> Response:
    return RedirectResponse(target, status_code=303)


async def _accounts_page(
    request: Request, caller: Caller, bus: ActingBus, errors: dict[str, str], status: int = 200
) -> Response:
    listed = await accounts.list_accounts(bus)
    return render_page(
        request,
        "accounts.html",
        caller,
        accounts=listed.accounts,
        max_accounts=listed.max_accounts,
        roles=ROLES,
        errors=errors,
        status_code=status,
    )


@router.get("/accounts")
async def accounts_page(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _accounts_page(request, caller, bus, {})


@router.post("/accounts")
async def add_account(
    request: Request,
    caller: CallerDep,
    bus: ActingBusDep,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    password_again: Annotated[str, Form()] = "",
    role: Annotated[int, Form()] = Role.VIEWER,
) -> Response:
    if password != password_again:
        errors = {"add-password_again": "The two passwords differ; type the same password twice."}
        return await _accounts_page(request, caller, bus, errors, 400)
    try:
        await bus.request(command_from_fields(AddAccount, name=name, password=password, role=role))
    except REFUSALS as exc:
        found = field_errors(exc, ACCOUNT_FIELDS)
        errors = {f"add-{key}": sentence for key, sentence in found.items()}
        return await _accounts_page(request, caller, bus, errors, 400)
    return _done("/system/accounts")


@router.post("/accounts/{name}")
async def update_account(
    request: Request,
    name: str,
    caller: CallerDep,
    bus: ActingBusDep,
    password: Annotated[str, Form()] = "",
    role: Annotated[int, Form()] = Role.VIEWER,
) -> Response:
    try:
        await bus.request(
            command_from_fields(UpdateAccount, name=name, password=password or None, role=role)
        )
    except REFUSALS as exc:
        return await _accounts_page(request, caller, bus, {f"account-{name}": exc.message}, 400)
    return _done("/system/accounts")


@router.post("/accounts/{name}/delete")
async def delete_account(
    request: Request, name: str, caller: CallerDep, bus: ActingBusDep
) -> Response:
    try:
        await bus.request(command_from_fields(DeleteAccount, name=name))
    except REFUSALS as exc:
        return await _accounts_page(request, caller, bus, {f"account-{name}": exc.message}, 400)
    return _done("/system/accounts")


async def _security_page(
    request: Request, caller: Caller, bus: ActingBus, errors: dict[str, str], status: int = 200
) -> Response:
    return render_page(
        request,
        "security.html",
        caller,
        auth=await security.get_authentication(bus),
        brute_force=await security.get_brute_force(bus),
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
    allow_anonymous_viewing: Annotated[bool, Form()] = False,
) -> Response:
    try:
        await bus.request(
            command_from_fields(
                SetAuthSettings,
                http_authentication=http_authentication,
                allow_anonymous_viewing=allow_anonymous_viewing,
                allow_anonymous_ptz=None,
            )
        )
    except REFUSALS as exc:
        fields = {name: (name,) for name in AuthSettings.model_fields}
        return await _security_page(request, caller, bus, field_errors(exc, fields), 400)
    return _done("/system/security")


@router.post("/security/brute-force")
async def set_brute_force(
    request: Request,
    caller: CallerDep,
    bus: ActingBusDep,
    is_enabled: Annotated[bool, Form()] = False,
    blocking_period_s: Annotated[str, Form()] = "",
    failures_per_page: Annotated[str, Form()] = "",
    failures_per_device: Annotated[str, Form()] = "",
) -> Response:
    try:
        await bus.request(
            command_from_fields(
                SetBruteForceSettings,
                is_enabled=is_enabled,
                blocking_period_s=blocking_period_s,
                failures_per_page=failures_per_page,
                failures_per_device=failures_per_device,
            )
        )
    except REFUSALS as exc:
        fields = {name: (name,) for name in BruteForceSettings.model_fields}
        return await _security_page(request, caller, bus, field_errors(exc, fields), 400)
    return _done("/system/security")
