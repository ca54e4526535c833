"""Who is calling: session cookie, HTTP Basic or Digest, each checked by the accounts service."""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
import time
from dataclasses import dataclass
from typing import TypeVar

from annotated_types import MaxLen
from pydantic import BaseModel
from starlette.requests import HTTPConnection

from actkit_core.bus import Publisher
from actkit_proto.accounts import (
    DigestChallenge,
    GetAuthSettings,
    GetDigestChallenge,
    Identity,
    Session,
    VerifyAnonymous,
    VerifyBasic,
    VerifyDigest,
    VerifySession,
)
from actkit_proto.base import Actor, Role
from actkit_proto.errors import Forbidden, Unauthenticated
from actkit_web.http.digest_leases import DigestLeases

M = TypeVar("M", bound=BaseModel)

SESSION_COOKIE = "actkit_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Caller:
    """The client of one request: an identity, or anonymous (``identity is None``)."""

    identity: Identity | None = None
    session: Session | None = None
    """Set when the caller came with the session cookie (browser), for CSRF checks."""
    scheme: str = "anonymous"

    @property
    def actor(self) -> Actor | None:
        """The actor stamped on every command sent on the caller's behalf."""
        if self.identity is None:
            return None
        return _actor(self.identity.name, self.identity.role)


@functools.lru_cache(maxsize=256)
def _actor(name: str, role: Role) -> Actor:
    """One actor per account and role, made once: an actor is frozen, so they can share it."""
    return Actor(name=name, role=role)


def fitted(model: type[M], **fields: object) -> M:
    """``model`` with each text cut to the length its field in the contract takes.

    What a client sends as credentials is cut, not refused: a name or password longer than any
    account's is wrong, and the owner answers it as it answers every wrong one (401, counted).
    """
    limits = _max_lengths(model)
    cut = {}
    for name, value in fields.items():
        limit = limits.get(name)
        cut[name] = value[:limit] if isinstance(value, str) and limit is not None else value
    return model(**cut)


@functools.cache
def _max_lengths(model: type[BaseModel]) -> dict[str, int]:
    """The longest text each field of ``model`` takes, for the fields the contract limits."""
    limits = {}
    for name, field in model.model_fields.items():
        found = [m.max_length for m in field.metadata if isinstance(m, MaxLen)]
        if found:
            limits[name] = found[0]
    return limits


def client_address(connection: HTTPConnection) -> str:
    """The peer's IP address, as the access log shows it."""
    return connection.client.host if connection.client else ""


async def identify(connection: HTTPConnection, bus: Publisher, timeout_s: float) -> Caller:
    """Authenticate a request by the credentials it carries; anonymous when it carries none.

    Raises:
        Unauthenticated: the credentials are wrong, unknown or expired.
        TooManyRequests: the client is blocked after repeated failures.
    """
    address = client_address(connection)
    page: str = connection.scope["path"]
    authorization = connection.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "basic":
        name, password = decode_basic(credentials)
        identity = await bus.request(
            fitted(VerifyBasic, name=name, password=password, client_address=address, page=page),
            timeout_s,
        )
        return Caller(identity=identity, scheme="basic")
    if scheme.lower() == "digest":
        method = connection.scope.get("method", "GET")
        target = request_target(connection)
        leases: DigestLeases = connection.app.state.digest_leases
        known = leases.check(credentials, method, target, address, time.time())
        if known is not None:
            return Caller(identity=known, scheme="digest")
        verify = fitted(
            VerifyDigest,
            method=method,
            authorization=credentials,
            uri=target,
            client_address=address,
            page=page,
            lease=True,
        )
        verified = await bus.request(verify, timeout_s)
        leases.take(verified, address)
        return Caller(identity=verified, scheme="digest")
    token = connection.cookies.get(SESSION_COOKIE)
    if token:
        session = await bus.request(fitted(VerifySession, token=token), timeout_s)
        return Caller(identity=session.identity, session=session, scheme="session")
    return Caller()


def request_target(connection: HTTPConnection) -> str:
    """The path and query as the client sent them: what its Digest answer's ``uri`` must be."""
    path: bytes = connection.scope.get("raw_path") or connection.scope["path"].encode()
    query: bytes = connection.scope.get("query_string", b"")
    target = path + (b"?" + query if query else b"")
    return target.decode("latin-1")


def decode_basic(credentials: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthenticated("the Basic credentials are not valid base64 user:password") from None
    name, separator, password = decoded.partition(":")
    if not separator:
        raise Unauthenticated("the Basic credentials lack the ':' between user and password")
    return name, password


def check_csrf(caller: Caller, method: str, submitted: str | None) -> None:
    """Refuse a state-changing browser request whose CSRF token does not match its session.

    Raises:
        Forbidden: the token is missing or wrong.
    """
    if caller.session is None or method in SAFE_METHODS:
        return
    if not submitted or not hmac.compare_digest(submitted, caller.session.csrf_token):
        raise Forbidden("the form has expired or did not come from this site; reload the page")


@dataclass(frozen=True)
class Offer:
    """What a 401 offers a client, as the device's authentication setting allows."""

    digest: DigestChallenge | None
    """A fresh Digest challenge, or None when Digest is turned off."""
    allows_basic: bool

    @property
    def realm(self) -> str:
        return self.digest.realm if self.digest is not None else "actkit"

    @property
    def digest_algorithm(self) -> str:
        """MD5 when offered: VAPIX clients know no other."""
        assert self.digest is not None
        return "MD5" if "MD5" in self.digest.algorithms else self.digest.algorithms[0]


async def offer(bus: Publisher, client_address: str, timeout_s: float) -> Offer:
    """The schemes a client may authenticate with now, with a fresh Digest nonce if allowed."""
    allowed = (await bus.request(GetAuthSettings(), timeout_s)).http_authentication
    digest = None
    if allowed in ("digest", "auto"):
        digest = await bus.request(GetDigestChallenge(client_address=client_address), timeout_s)
    return Offer(digest=digest, allows_basic=allowed in ("basic", "auto"))


async def challenge(bus: Publisher, connection: HTTPConnection, timeout_s: float) -> list[str]:
    """The ``WWW-Authenticate`` values for a 401, as the device's authentication setting allows.

    Digest comes first with MD5 (VAPIX clients read the first challenge), then Basic. Only one
    Digest challenge is offered: clients that join repeated headers would read the last algorithm.
    """
    offered = await offer(bus, client_address(connection), timeout_s)
    values = []
    if offered.digest is not None:
        digest = offered.digest
        values.append(
            f'Digest realm="{digest.realm}", nonce="{digest.nonce}", opaque="{digest.opaque}", '
            f'algorithm={offered.digest_algorithm}, qop="{digest.qop}"'
        )
    if offered.allows_basic:
        values.append(f'Basic realm="{offered.realm}"')
    return values


async def anonymous_viewer(bus: Publisher, timeout_s: float) -> Identity | None:
    """Who a caller without credentials is, as accounts says (``None``: nobody, log in)."""
    try:
        return await bus.request(VerifyAnonymous(), timeout_s)
    except Unauthenticated:
        return None
