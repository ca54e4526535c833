"""Accounts: list, add, update, delete (the rules that keep an administrator); their language."""

from __future__ import annotations

import dataclasses

from actkit_accounts.domain.accounts import Account, check_can_add, check_can_demote_or_delete
from actkit_accounts.handlers.deps import Deps
from actkit_proto import Ack, Invalid, NotFound
from actkit_proto.accounts import (
    AccountInfo,
    AccountLanguage,
    AccountList,
    AccountsChanged,
    AddAccount,
    DeleteAccount,
    GetLanguage,
    ListAccounts,
    SetLanguage,
    UpdateAccount,
)


async def list_accounts(_command: ListAccounts, deps: Deps) -> AccountList:
    return AccountList(accounts=[account_info(deps.accounts[n]) for n in sorted(deps.accounts)])


async def add_account(command: AddAccount, deps: Deps) -> AccountInfo:
    check_can_add(deps.accounts, command.name)
    hashes = await deps.passwords.hash(command.name, command.password)
    account = Account(command.name, command.role, hashes)
    async with deps.writing:
        check_can_add(deps.accounts, command.name)
        await deps.store.save(account)
        deps.accounts[account.name] = account
    await deps.bus.publish(AccountsChanged(names=[account.name]))
    return account_info(account)


async def update_account(command: UpdateAccount, deps: Deps) -> AccountInfo:
    _existing(deps, command.name)
    hashes = None
    if command.password is not None:
        hashes = await deps.passwords.hash(command.name, command.password)
    async with deps.writing:
        account = _existing(deps, command.name)
        if command.role is not None and command.role < account.role:
            check_can_demote_or_delete(deps.accounts, account.name, deleting=False)
        changed = dataclasses.replace(
            account, role=command.role or account.role, hashes=hashes or account.hashes
        )
        await deps.store.save(changed)
        deps.accounts[changed.name] = changed
    if hashes is not None:
        deps.passwords.forget(changed.name)
        deps.sessions.end_all_of(changed.name)
    await deps.bus.publish(AccountsChanged(names=[changed.name]))
    return account_info(changed)


async def delete_account(command: DeleteAccount, deps: Deps) -> Ack:
    async with deps.writing:
        _existing(deps, command.name)
        check_can_demote_or_delete(deps.accounts, command.name, deleting=True)
        await deps.store.delete(command.name)
        del deps.accounts[command.name]
    deps.passwords.forget(command.name)
    deps.sessions.end_all_of(command.name)
    await deps.bus.publish(AccountsChanged(names=[command.name]))
    return Ack()


async def get_language(command: GetLanguage, deps: Deps) -> AccountLanguage:
    return AccountLanguage(language=_own(deps, command).language)


async def set_language(command: SetLanguage, deps: Deps) -> AccountLanguage:
    async with deps.writing:
        changed = dataclasses.replace(_own(deps, command), language=command.language)
        await deps.store.save(changed)
        deps.accounts[changed.name] = changed
    return AccountLanguage(language=changed.language)


def _own(deps: Deps, command: GetLanguage | SetLanguage) -> Account:
    """The sender's own account: a language is kept for a person logged in, never for another."""
    if command.actor is None:
        raise Invalid("a language is kept per account: send it on behalf of the account")
    account = deps.accounts.get(command.actor.name)
    if account is None:
        raise NotFound(f"{command.actor.name!r} has no account to keep a language in; log in")
    return account


def account_info(account: Account) -> AccountInfo:
    return AccountInfo(name=account.name, role=account.role, is_first=account.is_first)


def _existing(deps: Deps, name: str) -> Account:
    account = deps.accounts.get(name)
    if account is None:
        raise NotFound(f"there is no account named {name!r}")
    return account
