"""System > Accounts: add, change and delete the device's accounts and their roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from actkit_proto.accounts import AddAccount, DeleteAccount, UpdateAccount
from actkit_proto.base import Role
from actkit_web.api import accounts
from actkit_web.http.auth import Caller
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep, command_from_fields
from actkit_web.pages.rendering import render_page
from actkit_web.pages.submit import REFUSALS, field_errors

router = APIRouter(prefix="/system", include_in_schema=False)
ROLES = [(role.value, role.name.capitalize()) for role in Role]
ACCOUNT_FIELDS = {"name": ("name",), "password": ("password",), "role": ("role",)}


def _done(target: str) -> Response:
    return RedirectResponse(target, status_code=303)


async def _accounts_page(
    request: Request,
    caller: Caller,
    bus: ActingBus,
    errors: dict[str, str],
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> Response:
    """The page; a refused new account comes back as it was ``typed`` (but its passwords)."""
    listed = await accounts.list_accounts(bus)
    return render_page(
        request,
        "accounts.html",
        caller,
        accounts=listed.accounts,
        max_accounts=listed.max_accounts,
        roles=ROLES,
        errors=errors,
        typed=typed or {},
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
    role: Annotated[str, Form()] = str(Role.VIEWER.value),
) -> Response:
    typed = {"name": name, "role": role}
    if password != password_again:
        errors = {"add-password_again": "The two passwords differ; type the same password twice."}
        return await _accounts_page(request, caller, bus, errors, 400, typed)
    try:
        await bus.request(command_from_fields(AddAccount, name=name, password=password, role=role))
    except REFUSALS as exc:
        found = field_errors(exc, ACCOUNT_FIELDS)
        errors = {f"add-{key}": sentence for key, sentence in found.items()}
        return await _accounts_page(request, caller, bus, errors, 400, typed)
    return _done("/system/accounts")


@router.post("/accounts/{name}")
async def update_account(
    request: Request,
    name: str,
    caller: CallerDep,
    bus: ActingBusDep,
    password: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = str(Role.VIEWER.value),
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
