"""REST: the device's accounts (administrators only; the accounts service checks)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from actkit_proto.accounts import (
    AccountInfo,
    AccountList,
    AccountName,
    AddAccount,
    DeleteAccount,
    ListAccounts,
    Password,
    UpdateAccount,
)
from actkit_proto.base import Role
from actkit_web.http.deps import ActingBusDep

router = APIRouter(prefix="/api/v1", tags=["accounts"])


class NewAccount(BaseModel):
    name: AccountName
    password: Password
    role: Role


class AccountChange(BaseModel):
    password: Password | None = None
    """A new password ends the account's browser sessions."""
    role: Role | None = None


@router.get("/accounts")
async def list_accounts(bus: ActingBusDep) -> AccountList:
    """Every account and its role (never a password)."""
    return await bus.request(ListAccounts())


@router.post("/accounts", status_code=201)
async def add_account(body: NewAccount, bus: ActingBusDep) -> AccountInfo:
    """Add an account (at most 100; names are unique, ignoring case)."""
    return await bus.request(AddAccount(name=body.name, password=body.password, role=body.role))


@router.patch("/accounts/{name}")
async def update_account(name: AccountName, body: AccountChange, bus: ActingBusDep) -> AccountInfo:
    """Change an account's password and/or role."""
    return await bus.request(UpdateAccount(name=name, password=body.password, role=body.role))


@router.delete("/accounts/{name}", status_code=204)
async def delete_account(name: AccountName, bus: ActingBusDep) -> None:
    """Delete an account; the first and the last administrator stay."""
    await bus.request(DeleteAccount(name=name))
