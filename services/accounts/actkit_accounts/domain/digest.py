"""HTTP Digest (RFC 7616, qop=auth) in accounts: the hash it keeps, and the nonces handed out.

Reading an answer and its hashes are in the contract (``actkit_proto.http_digest``), which the web
shares.
"""

from __future__ import annotations

import hmac
import secrets
from collections import OrderedDict
from dataclasses import dataclass

from actkit_proto import Unauthenticated
from actkit_proto.http_digest import ALGORITHMS, Algorithm, DigestAnswer, digest_hash

STALE = "the Digest nonce is unknown or expired; ask for a new challenge"

__all__ = ["ALGORITHMS", "STALE", "Algorithm", "DigestAnswer", "NonceBook", "digest_hash", "ha1"]


def ha1(algorithm: Algorithm, name: str, realm: str, password: str) -> str:
    """H(name:realm:password): what a device keeps to check Digest answers."""
    return digest_hash(algorithm, f"{name}:{realm}:{password}")


@dataclass
class _Nonce:
    issued_at_s: float
    highest_nc: int = 0
    is_handed_over: bool = False


class NonceBook:
    """The nonces handed out: each lives ``lifetime_s`` and accepts only a rising nonce count.

    Clients such as httpx keep one nonce for a whole session and count up (``nc``); an answer
    with the same or a lower count than one already accepted is a replay.
    """

    def __init__(self, lifetime_s: float, capacity: int = 10_000) -> None:
        self.lifetime_s = lifetime_s
        self.capacity = capacity
        self.opaque = secrets.token_hex(16)
        self._nonces: OrderedDict[str, _Nonce] = OrderedDict()

    def issue(self, now_s: float) -> str:
        """A fresh nonce; the oldest ones are forgotten beyond the capacity."""
        nonce = secrets.token_urlsafe(24)
        self._nonces[nonce] = _Nonce(now_s)
        while len(self._nonces) > self.capacity:
            self._nonces.popitem(last=False)
        return nonce

    def check(self, answer: DigestAnswer, now_s: float) -> None:
        """Refuse an unknown or expired nonce, a wrong opaque, or a replayed count.

        A nonce handed over has no count here: :meth:`confirm` refuses it after the answer's
        check, so that a wrong answer on it is still counted as a failure.
        """
        entry = self._nonces.get(answer.nonce)
        if entry is None or now_s - entry.issued_at_s > self.lifetime_s:
            self._nonces.pop(answer.nonce, None)
            raise Unauthenticated(STALE)
        if answer.opaque is not None and not hmac.compare_digest(answer.opaque, self.opaque):
            raise Unauthenticated("the Digest opaque value is not this device's")
        if not entry.is_handed_over and answer.nc <= entry.highest_nc:
            raise Unauthenticated(
                f"Digest nonce count {answer.nc:08x} was already used; this looks like a replay"
            )

    def accept(self, answer: DigestAnswer) -> None:
        """Remember the count of a verified answer so that it cannot be replayed."""
        entry = self._nonces.get(answer.nonce)
        if entry is not None:
            entry.highest_nc = max(entry.highest_nc, answer.nc)

    def hand_over(self, answer: DigestAnswer) -> float:
        """Hand a verified answer's nonce over to the web, which checks what follows; its expiry.

        Its count is no longer kept here, so no answer on it is accepted here again
        (:meth:`confirm`): one that comes back (the web dropped it) is refused as stale once
        checked, and the client asks anew.
        """
        entry = self._nonces[answer.nonce]
        entry.is_handed_over = True
        return entry.issued_at_s + self.lifetime_s

    def confirm(self, answer: DigestAnswer) -> None:
        """Refuse a checked answer on a nonce handed over (as stale: not counted as a failure)."""
        entry = self._nonces.get(answer.nonce)
        if entry is None or entry.is_handed_over:
            raise Unauthenticated(STALE)
