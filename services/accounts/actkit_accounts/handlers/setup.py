"""First run: the device has no account until the first administrator is created."""

from __future__ import annotations

from actkit_accounts.domain.accounts import Account, check_password
from actkit_accounts.handlers.deps import Deps
from actkit_proto import Conflict, Invalid
from actkit_proto.accounts import CreateFirstAdministrator, GetSetupState, Identity, SetupState
from actkit_proto.base import Role


async def get_setup_state(_command: GetSetupState, deps: Deps) -> SetupState:
    return SetupState(is_setup_required=not deps.accounts)


async def create_first_administrator(command: CreateFirstAdministrator, deps: Deps) -> Identity:
    if not command.accept_licence:
        raise Invalid("accept the licence agreement to create the administrator account")
    check_password(command.password)
    if deps.accounts:
        raise Conflict("the first administrator already exists; log in instead")
    hashes = await deps.passwords.hash(command.name, command.password)
    account = Account(command.name, Role.ADMINISTRATOR, hashes, is_first=True)
    async with deps.writing:
        if deps.accounts:
            raise Conflict("the first administrator already exists; log in instead")
        await deps.store.create_first(account)
        deps.accounts[account.name] = account
    return Identity(name=account.name, role=account.role)
