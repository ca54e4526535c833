"""A simulated SSH server: users and the on/off state kept in memory, logins checkable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass


@dataclass
class SimSshUser:
    salt: bytes
    password_hash: bytes
    comment: str


class SimSsh:
    """In-memory SSH server, as the real adapter would leave the system.

    >>> import asyncio
    >>> sim = SimSsh()
    >>> asyncio.run(sim.set_user("service", "secret", "installer"))
    >>> sim.can_log_in("service", "secret")
    False
    >>> asyncio.run(sim.set_enabled(True))
    >>> sim.can_log_in("service", "secret"), sim.can_log_in("service", "guess")
    (True, False)
    """

    def __init__(self) -> None:
        self.is_enabled = False
        self.users: dict[str, SimSshUser] = {}

    async def set_enabled(self, is_enabled: bool) -> None:
        self.is_enabled = is_enabled

    async def set_user(self, name: str, password: str | None, comment: str) -> None:
        user = self.users.get(name)
        if password is None:
            if user is None:
                raise KeyError(f"no SSH user {name!r} to keep the password of")
            user.comment = comment
            return
        salt = secrets.token_bytes(16)
        self.users[name] = SimSshUser(salt, _scrypt(password, salt), comment)

    async def remove_user(self, name: str) -> None:
        self.users.pop(name, None)

    def login_name(self, name: str) -> str:
        return name

    async def close(self) -> None:
        self.is_enabled = False

    def can_log_in(self, name: str, password: str) -> bool:
        """Whether an SSH login with these credentials would succeed now."""
        user = self.users.get(name)
        if not self.is_enabled or user is None:
            return False
        return hmac.compare_digest(user.password_hash, _scrypt(password, user.salt))


def _scrypt(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**10, r=8, p=1)
