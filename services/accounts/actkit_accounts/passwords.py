"""Password hashing with argon2, plus the Digest HA1 values stored beside each hash."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from actkit_accounts.domain.accounts import Account
from actkit_accounts.domain.digest import ha1
from actkit_proto.base import Role


class Passwords:
    """Hashes and checks passwords; argon2 runs in a thread so the loop never blocks.

    A password that verified once is remembered as a keyed hash (in memory only, keyed by the
    stored argon2 hash), so the Basic credentials a client sends on every request cost one HMAC
    instead of one argon2 run.
    """

    def __init__(self, hasher: PasswordHasher, realm: str) -> None:
        self.hasher = hasher
        self.realm = realm
        self._key = secrets.token_bytes(32)
        self._verified: dict[str, tuple[str, bytes]] = {}
        self._decoy = hasher.hash(secrets.token_hex(16))

    async def account(
        self, name: str, password: str, role: Role, *, is_first: bool = False
    ) -> Account:
        """An account record for ``name`` with ``password`` hashed every way it is needed."""
        password_hash = await asyncio.to_thread(self.hasher.hash, password)
        return Account(
            name=name,
            role=role,
            password_hash=password_hash,
            ha1_md5=ha1("MD5", name, self.realm, password),
            ha1_sha256=ha1("SHA-256", name, self.realm, password),
            is_first=is_first,
        )

    async def verify(self, account: Account | None, password: str) -> bool:
        """Whether ``password`` is the account's; an unknown name costs as much as a known one."""
        tag = hmac.new(self._key, password.encode(), hashlib.sha256).digest()
        if account is not None:
            cached = self._verified.get(account.name)
            if cached is not None and cached[0] == account.password_hash:
                return hmac.compare_digest(cached[1], tag)
        stored = account.password_hash if account is not None else self._decoy
        try:
            await asyncio.to_thread(self.hasher.verify, stored, password)
        except (VerificationError, InvalidHashError):
            return False
        if account is None:
            return False
        self._verified[account.name] = (account.password_hash, tag)
        return True

    def forget(self, name: str) -> None:
        """Drop what is remembered of an account (deleted or its password changed)."""
        self._verified.pop(name, None)
