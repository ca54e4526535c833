"""ONVIF accounts and SSH accounts: names and passwords for the device's other ways in."""

from __future__ import annotations

import dataclasses

from actkit_accounts.domain.accounts import ServiceAccount, check_can_add
from actkit_accounts.handlers.deps import Deps
from actkit_accounts.store import ServiceAccountStore, SshEnabled
from actkit_proto import Ack, Conflict, Invalid, NotFound
from actkit_proto.accounts import (
    SSH_ROOT,
    AddOnvifAccount,
    AddSshAccount,
    DeleteOnvifAccount,
    DeleteSshAccount,
    GetSshAccounts,
    ListOnvifAccounts,
    OnvifAccountInfo,
    OnvifAccountList,
    OnvifRole,
    SetSshEnabled,
    SshAccountInfo,
    SshAccounts,
    UpdateOnvifAccount,
    UpdateSshAccount,
)


async def list_onvif_accounts(_command: ListOnvifAccounts, deps: Deps) -> OnvifAccountList:
    accounts = await deps.onvif_accounts.load()
    return OnvifAccountList(accounts=[_onvif_info(a) for a in accounts.values()])


async def add_onvif_account(command: AddOnvifAccount, deps: Deps) -> OnvifAccountInfo:
    account = ServiceAccount(
        command.name,
        await deps.passwords.hash_only(command.password),
        role=command.role,
        sealed_password=seal_onvif_password(deps, command.name, command.password),
    )
    async with deps.writing:
        check_can_add(await deps.onvif_accounts.load(), account.name)
        await deps.onvif_accounts.save(account)
    return _onvif_info(account)


async def update_onvif_account(command: UpdateOnvifAccount, deps: Deps) -> OnvifAccountInfo:
    password_hash = (
        await deps.passwords.hash_only(command.password) if command.password is not None else None
    )
    async with deps.writing:
        account = await _existing(deps.onvif_accounts, command.name, "ONVIF")
        account = dataclasses.replace(
            account,
            password_hash=password_hash or account.password_hash,
            role=command.role or account.role,
            sealed_password=(
                account.sealed_password
                if command.password is None
                else seal_onvif_password(deps, account.name, command.password)
            ),
        )
        await deps.onvif_accounts.save(account)
    return _onvif_info(account)


def seal_onvif_password(deps: Deps, name: str, password: str) -> str:
    """The password sealed for the account ``name`` (UsernameToken digests need it)."""
    return deps.keystore.seal(password, f"onvif:{name}")


async def delete_onvif_account(command: DeleteOnvifAccount, deps: Deps) -> Ack:
    async with deps.writing:
        await _existing(deps.onvif_accounts, command.name, "ONVIF")
        await deps.onvif_accounts.delete(command.name)
    return Ack()


async def get_ssh_accounts(_command: GetSshAccounts, deps: Deps) -> SshAccounts:
    return await _ssh_state(deps)


async def set_ssh_enabled(command: SetSshEnabled, deps: Deps) -> SshAccounts:
    async with deps.writing:
        await deps.ssh.set_enabled(command.is_enabled)
        await deps.store.sections.save(SshEnabled(command.is_enabled))
    return await _ssh_state(deps)


async def add_ssh_account(command: AddSshAccount, deps: Deps) -> SshAccountInfo:
    account = ServiceAccount(
        command.name, await deps.passwords.hash_only(command.password), comment=command.comment
    )
    async with deps.writing:
        check_can_add(await deps.ssh_accounts.load(), command.name)
        await deps.ssh.set_user(command.name, command.password, command.comment)
        await deps.ssh_accounts.save(account)
    return _ssh_info(deps, account)


async def update_ssh_account(command: UpdateSshAccount, deps: Deps) -> SshAccountInfo:
    password_hash = (
        await deps.passwords.hash_only(command.password) if command.password is not None else None
    )
    async with deps.writing:
        account = await _existing(deps.ssh_accounts, command.name, "SSH")
        account = dataclasses.replace(
            account,
            password_hash=password_hash or account.password_hash,
            comment=account.comment if command.comment is None else command.comment,
        )
        await deps.ssh.set_user(account.name, command.password, account.comment)
        await deps.ssh_accounts.save(account)
    return _ssh_info(deps, account)


async def delete_ssh_account(command: DeleteSshAccount, deps: Deps) -> Ack:
    if command.name == SSH_ROOT:
        raise Conflict("the root SSH account cannot be deleted")
    async with deps.writing:
        await _existing(deps.ssh_accounts, command.name, "SSH")
        await deps.ssh.remove_user(command.name)
        await deps.ssh_accounts.delete(command.name)
    return Ack()


async def _ssh_state(deps: Deps) -> SshAccounts:
    accounts = await deps.ssh_accounts.load()
    return SshAccounts(
        is_enabled=(await deps.store.sections.load(SshEnabled)).root,
        accounts=[_ssh_info(deps, a) for a in accounts.values()],
    )


async def _existing(store: ServiceAccountStore, name: str, what: str) -> ServiceAccount:
    account = (await store.load()).get(name)
    if account is None:
        raise NotFound(f"there is no {what} account named {name!r}")
    return account


_ONVIF_ROLES: dict[str, OnvifRole] = {
    "administrator": "administrator",
    "operator": "operator",
    "media": "media",
}


def onvif_role(account: ServiceAccount) -> OnvifRole:
    return _ONVIF_ROLES.get(account.role, "media")


def _onvif_info(account: ServiceAccount) -> OnvifAccountInfo:
    return OnvifAccountInfo(name=account.name, role=onvif_role(account))


def _ssh_info(deps: Deps, account: ServiceAccount) -> SshAccountInfo:
    try:
        login_name = deps.ssh.login_name(account.name)
    except Invalid:  # stored before the prefix was changed: it has no system user
        login_name = ""
    return SshAccountInfo(name=account.name, comment=account.comment, login_name=login_name)
