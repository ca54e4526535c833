"""Accounts and the permission table of the three roles."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from actkit_proto.accounts.common import AccountName, Password
from actkit_proto.base import Ack, Command, Event, Reply, Role

MAX_ACCOUNTS = 100


class AccountInfo(Reply):
    """An account as the accounts page lists it (never its password)."""

    name: str
    role: Role
    is_first: bool = False
    """The first administrator ("root"): it can be neither deleted nor given a lower role."""


class AccountList(Reply):
    """Every account, by name."""

    accounts: list[AccountInfo]
    max_accounts: int = MAX_ACCOUNTS


class ListAccounts(Command[AccountList]):
    """List the accounts."""

    subject: ClassVar[str] = "accounts.account.list"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class AddAccount(Command[AccountInfo]):
    """Add an account (at most 100; the name must be unique, ignoring case)."""

    subject: ClassVar[str] = "accounts.account.add"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    name: AccountName
    password: Password
    role: Role


class UpdateAccount(Command[AccountInfo]):
    """Change an account's password and/or role; fields left out stay as they are.

    A new password ends the account's browser sessions.
    """

    subject: ClassVar[str] = "accounts.account.update"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    name: AccountName
    password: Password | None = None
    role: Role | None = None


class DeleteAccount(Command[Ack]):
    """Delete an account; the first administrator and the last administrator stay (409)."""

    subject: ClassVar[str] = "accounts.account.delete"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    name: AccountName


class AccountsChanged(Event):
    """The list of accounts changed (added, updated or deleted); carries the names only."""

    subject: ClassVar[str] = "accounts.account.changed"

    names: list[str]


LanguageCode = Annotated[
    str,
    Field(pattern=r"^[a-z]{2,3}$", description="An ISO 639 language code, e.g. ``sv``."),
]


class AccountLanguage(Reply):
    """The language an account chose for the dashboard."""

    language: str | None = None
    """Its code (``sv``); None until the account chooses one (the browser's language is used)."""


class GetLanguage(Command[AccountLanguage]):
    """The language the sender's own account chose (the web asks when a person logs in)."""

    subject: ClassVar[str] = "accounts.language.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetLanguage(Command[AccountLanguage]):
    """Keep a language for the sender's own account.

    Every role may choose its own, and only its own: the account is the actor's (the web sends
    it for the person logged in).
    """

    subject: ClassVar[str] = "accounts.language.set"
    required_role: ClassVar[Role] = Role.VIEWER

    language: LanguageCode


class RolePrivileges(Reply):
    """What one role may do: the manual's words and every command it may send."""

    role: Role
    title: str
    description: str
    subjects: list[str]
    """The subject of every command whose ``required_role`` this role meets."""


class PrivilegeTable(Reply):
    """The roles, lowest first, each including everything the lower ones may do."""

    roles: list[RolePrivileges]


class GetPrivileges(Command[PrivilegeTable]):
    """The permission table, read from each command's ``required_role`` (for the web's menus)."""

    subject: ClassVar[str] = "accounts.privileges.get"
    required_role: ClassVar[Role] = Role.VIEWER
