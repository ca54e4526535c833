"""Password hashing with argon2, plus the Digest HA1 values stored beside each hash."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import ARGON2_VERSION

from actkit_accounts.domain.accounts import Account, PasswordHashes
from actkit_accounts.domain.digest import ha1

T = TypeVar("T")


def decoy_hash(hasher: PasswordHasher) -> str:
    """An argon2 hash with ``hasher``'s parameters that no password matches, made without argon2.

    A random salt and a random hash, encoded as argon2 encodes its own: checking a password
    against it runs argon2 with the same parameters as against an account's hash (and never
    matches), so an unknown name costs as much as a known one. Hashing a random password
    instead took 0.2 s of CPU and 64 MiB at every start, before the service answered.
    """
    salt, digest = (
        base64.b64encode(secrets.token_bytes(size)).rstrip(b"=").decode()
        for size in (hasher.salt_len, hasher.hash_len)
    )
    costs = f"m={hasher.memory_cost},t={hasher.time_cost},p={hasher.parallelism}"
    return f"$argon2{hasher.type.name.lower()}$v={ARGON2_VERSION}${costs}${salt}${digest}"


class Passwords:
    """Hashes and checks passwords; argon2 runs in a thread so the loop never blocks.

    A password that verified once is remembered as a keyed hash (in memory only, keyed by the
    stored argon2 hash), so the Basic credentials a client sends on every request cost one HMAC
    instead of one argon2 run.
    """

    def __init__(self, hasher: PasswordHasher, realm: str, concurrent_runs: int = 2) -> None:
        self.hasher = hasher
        # Each argon2 run takes a large share of a core and 64 MiB; a flood of wrong passwords
        # queues here instead of starving the device.
        self._runs = asyncio.Semaphore(concurrent_runs)
        self.realm = realm
        self._key = secrets.token_bytes(32)
        self._verified: dict[str, tuple[str, bytes]] = {}
        self._decoy = decoy_hash(hasher)

    async def hash(self, name: str, password: str) -> PasswordHashes:
        """``password`` hashed every way it is needed for the account ``name``."""
        return PasswordHashes(
            argon2=await self._argon2(self.hasher.hash, password),
            ha1_md5=ha1("MD5", name, self.realm, password),
            ha1_sha256=ha1("SHA-256", name, self.realm, password),
        )

    async def hash_only(self, password: str) -> str:
        """The argon2 hash alone (accounts that Digest never checks)."""
        return await self._argon2(self.hasher.hash, password)

    async def verify(self, account: Account | None, password: str) -> bool:
        """Whether ``password`` is the account's; an unknown name costs as much as a known one."""
        tag = hmac.new(self._key, password.encode(), hashlib.sha256).digest()
        if account is not None:
            cached = self._verified.get(account.name)
            if cached is not None and cached[0] == account.hashes.argon2:
                return hmac.compare_digest(cached[1], tag)
        stored = account.hashes.argon2 if account is not None else self._decoy
        try:
            await self._argon2(self.hasher.verify, stored, password)
        except (VerificationError, InvalidHashError):
            return False
        if account is None:
            return False
        self._verified[account.name] = (account.hashes.argon2, tag)
        return True

    async def _argon2(self, run: Callable[..., T], *args: str) -> T:
        async with self._runs:
            return await asyncio.to_thread(run, *args)

    def forget(self, name: str) -> None:
        """Drop what is remembered of an account (deleted or its password changed)."""
        self._verified.pop(name, None)
