"""WS-Security UsernameToken (what ONVIF clients send): the digest, its time window, used nonces."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from actkit_proto import Invalid, Unauthenticated


def password_digest(nonce: bytes, created: str, password: str) -> str:
    """Base64(SHA-1(nonce + created + password)), the token's PasswordDigest."""
    digest = hashlib.sha1(nonce + created.encode() + password.encode()).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True)
class UsernameToken:
    """A token's fields, decoded: ``created`` is kept as sent, since the digest covers the text."""

    username: str
    password: str
    is_digest: bool
    nonce: bytes | None
    created_text: str | None
    created: datetime | None

    @classmethod
    def parse(
        cls, username: str, password: str, is_digest: bool, nonce: str | None, created: str | None
    ) -> UsernameToken:
        """Decode the nonce (Base64) and the created time (UTC); Invalid with what is wrong."""
        if is_digest and (not nonce or not created):
            raise Invalid("a PasswordDigest token needs its Nonce and Created")
        return cls(
            username=username,
            password=password,
            is_digest=is_digest,
            nonce=_nonce(nonce) if nonce else None,
            created_text=created or None,
            created=_created(created) if created else None,
        )

    def is_correct(self, password: str) -> bool:
        """Whether the token was made with ``password``, compared in constant time."""
        if not self.is_digest:
            return hmac.compare_digest(self.password.encode(), password.encode())
        assert self.nonce is not None and self.created_text is not None
        expected = password_digest(self.nonce, self.created_text, password)
        return hmac.compare_digest(expected.encode(), self.password.encode())


def _nonce(text: str) -> bytes:
    try:
        nonce = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("the token's Nonce is not Base64") from None
    if not 1 <= len(nonce) <= 128:
        raise Invalid(f"the token's Nonce must be 1 to 128 bytes, not {len(nonce)}")
    return nonce


def _created(text: str) -> datetime:
    try:
        created = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(
            f"the token's Created {text[:64]!r} is not a time such as 2026-11-24T12:00:00Z"
        ) from None
    if created.tzinfo is None:
        raise Invalid(f"the token's Created {text[:64]!r} must be UTC (end it with Z)")
    return created


class NonceLedger:
    """The nonces of accepted tokens, each kept while its token is inside the time window.

    A token is accepted while its Created is at most ``window_s`` from the device's clock (either
    way: clients' clocks drift); within that time its nonce is accepted once. Beyond
    ``capacity`` the oldest are forgotten.
    """

    def __init__(self, window_s: float, capacity: int = 10_000) -> None:
        self.window = timedelta(seconds=window_s)
        self.capacity = capacity
        self._kept: OrderedDict[bytes, datetime] = OrderedDict()

    def check(self, token: UsernameToken, now: datetime) -> None:
        """Refuse a token created outside the window, or whose nonce was already accepted."""
        if token.created is not None:
            if token.created < now - self.window:
                raise Unauthenticated(
                    "the token is stale (created more than "
                    f"{self.window.total_seconds():g} s ago); check the client's clock"
                )
            if token.created > now + self.window:
                raise Unauthenticated("the token was created in the future; check the clocks")
        if token.nonce is not None and token.nonce in self._kept:
            raise Unauthenticated("the token's nonce was already used; a replay is refused")

    def accept(self, token: UsernameToken, now: datetime) -> None:
        """Remember the nonce of a verified token until its token goes stale."""
        while self._kept and next(iter(self._kept.values())) < now:
            self._kept.popitem(last=False)
        if token.nonce is None:
            return
        self._kept[token.nonce] = (token.created or now) + self.window
        while len(self._kept) > self.capacity:
            self._kept.popitem(last=False)
