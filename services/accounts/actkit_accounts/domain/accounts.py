"""Accounts and the rules that keep at least one administrator able to log in."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from actkit_proto import Conflict, Invalid
from actkit_proto.base import Role

MAX_ACCOUNTS = 100
ROOT = "root"


@dataclass(frozen=True)
class PasswordHashes:
    """What is kept of a password: its argon2 hash and what Digest needs."""

    argon2: str
    """The argon2 hash (PHC string)."""
    ha1_md5: str
    ha1_sha256: str
    """H(name:realm:password) for Digest's MD5 and SHA-256."""


@dataclass(frozen=True)
class Account:
    """A person's account; ``is_first`` marks the first administrator, which stays."""

    name: str
    role: Role
    hashes: PasswordHashes
    is_first: bool = False
    language: str | None = None
    """The dashboard's language the account chose (``sv``), None until it chooses."""


@dataclass(frozen=True)
class ServiceAccount:
    """An account of another way in (ONVIF, SSH): a name, an argon2 hash, a role or comment."""

    name: str
    password_hash: str
    role: str = ""
    comment: str = ""
    sealed_password: str | None = None
    """The password encrypted with the keystore's key, for checks that need it (ONVIF tokens)."""


def check_password(password: str) -> None:
    """Refuse a password that is not 1-64 printable ASCII characters (32-126)."""
    if not 1 <= len(password) <= 64:
        raise Invalid(f"the password must be 1 to 64 characters long, not {len(password)}")
    for position, char in enumerate(password, start=1):
        if not 32 <= ord(char) <= 126:
            raise Invalid(
                f"character {position} of the password (code {ord(char)}) is not allowed: "
                "use printable ASCII characters (codes 32 to 126)"
            )


def check_can_add(names: Collection[str], name: str) -> None:
    """Refuse a name already taken (ignoring case) or an account beyond the limit."""
    if name.lower() in {existing.lower() for existing in names}:
        raise Conflict(f"an account named {name!r} already exists; choose another name")
    if len(names) >= MAX_ACCOUNTS:
        raise Conflict(f"the device holds at most {MAX_ACCOUNTS} accounts; delete one first")


def check_can_demote_or_delete(accounts: dict[str, Account], name: str, *, deleting: bool) -> None:
    """Refuse removing the first administrator, or the last administrator's role."""
    account = accounts[name]
    what = "deleted" if deleting else "given a lower role"
    if account.is_first:
        raise Conflict(f"{name!r} is the device's first administrator and cannot be {what}")
    if account.role is not Role.ADMINISTRATOR:
        return
    administrators = [a for a in accounts.values() if a.role is Role.ADMINISTRATOR]
    if len(administrators) == 1:
        raise Conflict(f"{name!r} is the last administrator and cannot be {what}")
