"""SSH accounts."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from actkit_proto.accounts.common import AccountName, Password
from actkit_proto.accounts.users import MAX_ACCOUNTS
from actkit_proto.base import Ack, Command, Reply, Role

SSH_ROOT = "root"
"""The SSH account that cannot be deleted."""


class SshAccountInfo(Reply):
    """An SSH account (never its password)."""

    name: str
    comment: str
    login_name: str = ""
    """The user name to give the SSH client (the device may add a prefix and use lower case)."""


class SshAccounts(Reply):
    """Whether SSH is on, and its accounts by name."""

    is_enabled: bool
    accounts: list[SshAccountInfo]
    max_accounts: int = MAX_ACCOUNTS


class GetSshAccounts(Command[SshAccounts]):
    """The SSH service's state and accounts."""

    subject: ClassVar[str] = "accounts.ssh.get"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class SetSshEnabled(Command[SshAccounts]):
    """Turn the SSH service on or off."""

    subject: ClassVar[str] = "accounts.ssh.enable"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    is_enabled: bool


class AddSshAccount(Command[SshAccountInfo]):
    """Add an SSH account (at most 100, unique name)."""

    subject: ClassVar[str] = "accounts.ssh.add"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    name: AccountName
    password: Password
    comment: str = Field(default="", max_length=256, pattern=r"^[\x20-\x7e]*$")


class UpdateSshAccount(Command[SshAccountInfo]):
    """Change an SSH account's password and/or comment; fields left out stay."""

    subject: ClassVar[str] = "accounts.ssh.update"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    name: AccountName
    password: Password | None = None
    comment: str | None = Field(default=None, max_length=256, pattern=r"^[\x20-\x7e]*$")


class DeleteSshAccount(Command[Ack]):
    """Delete an SSH account; the ``root`` SSH account stays (409)."""

    subject: ClassVar[str] = "accounts.ssh.delete"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    name: AccountName
