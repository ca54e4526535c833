"""One-use tokens that let a websocket upgrade (which carries no credentials) authenticate."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from actkit_proto.accounts import Identity

TOKEN_LIFETIME_S = 15.0


@dataclass
class StreamTokens:
    """Tokens handed out by ``wssession.cgi``, each valid once within 15 s."""

    issued: dict[str, tuple[Identity, float]] = field(default_factory=dict)

    def issue(self, identity: Identity) -> str:
        now = time.monotonic()
        self.issued = {k: v for k, v in self.issued.items() if v[1] > now}
        token = secrets.token_urlsafe(24)
        self.issued[token] = (identity, now + TOKEN_LIFETIME_S)
        return token

    def redeem(self, token: str) -> Identity | None:
        identity, expires = self.issued.pop(token, (None, 0.0))
        return identity if expires > time.monotonic() else None
