"""Browser sessions: opaque tokens with an idle expiry and a CSRF token each."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from actkit_proto import Unauthenticated
from actkit_proto.base import Role


@dataclass
class SessionEntry:
    """One logged-in browser."""

    name: str
    csrf_token: str
    expires_at: datetime
    remote_role: Role | None = None
    """The role of a user the device has no account for (logged in with OpenID)."""


class SessionBook:
    """Sessions kept in memory: a restart logs everyone out, as on the device."""

    def __init__(self, idle_s: int, capacity: int = 1000) -> None:
        self.idle_s = idle_s
        self.capacity = capacity
        self._sessions: dict[str, SessionEntry] = {}

    def open(self, name: str, now: datetime, role: Role | None = None) -> tuple[str, SessionEntry]:
        """A new session for ``name``; the oldest goes when the book is full."""
        self._drop_expired(now)
        if len(self._sessions) >= self.capacity:
            oldest = min(self._sessions, key=lambda token: self._sessions[token].expires_at)
            del self._sessions[oldest]
        token = secrets.token_urlsafe(32)
        expires_at = now + timedelta(seconds=self.idle_s)
        entry = SessionEntry(name, secrets.token_urlsafe(32), expires_at, remote_role=role)
        self._sessions[token] = entry
        return token, entry

    def renew(self, token: str, now: datetime) -> SessionEntry:
        """The session of ``token`` with its expiry pushed back; 401 when unknown or expired."""
        entry = self._sessions.get(token)
        if entry is None or entry.expires_at <= now:
            self._sessions.pop(token, None)
            raise Unauthenticated("the session is unknown or has expired; log in again")
        entry.expires_at = now + timedelta(seconds=self.idle_s)
        return entry

    def count(self, now: datetime) -> int:
        """How many sessions are open at ``now``."""
        return sum(1 for entry in self._sessions.values() if entry.expires_at > now)

    def end(self, token: str) -> None:
        """Forget one session (log out); unknown tokens are ignored."""
        self._sessions.pop(token, None)

    def end_all_of(self, name: str) -> None:
        """Forget every session of an account (deleted, or its password changed)."""
        for token in [
            t for t, e in self._sessions.items() if e.name == name and e.remote_role is None
        ]:
            del self._sessions[token]

    def end_all(self, *, remote_only: bool = False) -> None:
        """Forget every session, or those of OpenID users only (OpenID was turned off)."""
        for token in [
            t for t, e in self._sessions.items() if e.remote_role is not None or not remote_only
        ]:
            del self._sessions[token]

    def _drop_expired(self, now: datetime) -> None:
        for token in [t for t, entry in self._sessions.items() if entry.expires_at <= now]:
            del self._sessions[token]
