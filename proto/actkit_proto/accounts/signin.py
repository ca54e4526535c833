"""Signing in: first-run setup, Basic and Digest, sessions, and failed attempts."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from actkit_proto.accounts.common import SIGN_IN, AccountName, ClientAddress, Password
from actkit_proto.base import Ack, Command, Event, Reply, Role


class Identity(Reply):
    """Who a client is and what they may do."""

    name: str
    role: Role


class SetupState(Reply):
    """Whether the device still has no administrator account."""

    is_setup_required: bool


class GetSetupState(Command[SetupState]):
    """Ask whether the first administrator must still be created."""

    subject: ClassVar[str] = "accounts.setup.get"
    required_role: ClassVar[Role] = Role.VIEWER


class CreateFirstAdministrator(Command[Identity]):
    """Create the first administrator; allowed once, without authentication (409 after)."""

    subject: ClassVar[str] = "accounts.setup.create"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN

    name: AccountName
    password: Password
    accept_licence: bool
    """The licence agreement must be accepted (400 otherwise)."""


class VerifyBasic(Command[Identity]):
    """Check a user name and password (HTTP Basic, or the login form)."""

    subject: ClassVar[str] = "accounts.auth.basic"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN

    name: str = Field(max_length=256)
    password: str = Field(max_length=256)
    client_address: ClientAddress
    page: str = Field(default="", max_length=256, description="The path asked for, for logs.")


class VerifyAnonymous(Command[Identity]):
    """Who a client without credentials is: a viewer while anonymous viewing is on, else 401."""

    subject: ClassVar[str] = "accounts.auth.anonymous"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN


class DigestChallenge(Reply):
    """What goes into ``WWW-Authenticate: Digest ...``."""

    realm: str
    nonce: str
    opaque: str
    algorithms: list[Literal["MD5", "SHA-256"]]
    qop: Literal["auth"] = "auth"

    def www_authenticate(self) -> list[str]:
        """One ``WWW-Authenticate`` value per algorithm, MD5 first (what older clients read)."""
        return [
            f'Digest realm="{self.realm}", nonce="{self.nonce}", opaque="{self.opaque}", '
            f'algorithm={algorithm}, qop="{self.qop}"'
            for algorithm in self.algorithms
        ]


class GetDigestChallenge(Command[DigestChallenge]):
    """A fresh Digest challenge (nonce) for a client."""

    subject: ClassVar[str] = "accounts.auth.digest.challenge"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN

    client_address: ClientAddress


class DigestLease(Reply):
    """A nonce handed over to the web, which checks the next answers on it itself.

    Given once, with an accepted answer, to the one that proved the password with it: what the
    check needs (the account's H(name:realm:password) for the answer's algorithm, not the
    password). Accounts forgets the nonce then; the web drops it when the account, the
    authentication settings or a failure from the client's address say so (their events).
    """

    nonce: str
    ha1: str
    algorithm: Literal["MD5", "SHA-256"]
    realm: str
    opaque: str
    nc: int = Field(ge=1)
    """The nonce count just accepted: the next answer must count higher."""
    expires_at_s: float
    """When the nonce expires (Unix time), as it would have in accounts."""


class DigestIdentity(Identity):
    """Who answered a Digest challenge, with the nonce handed over when asked for."""

    lease: DigestLease | None = None


class VerifyDigest(Command[DigestIdentity]):
    """Check an ``Authorization: Digest ...`` answer (RFC 7616, qop=auth)."""

    subject: ClassVar[str] = "accounts.auth.digest.verify"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN

    method: str = Field(max_length=16)
    authorization: str = Field(max_length=4096, description="The header value after 'Digest '.")
    client_address: ClientAddress
    page: str = Field(default="", max_length=256)
    uri: str | None = Field(default=None, max_length=4096)
    """The request target the client sent (path and query, as on the request line); the
    answer's ``uri`` must name it (401 otherwise). Unset: not compared (older callers)."""
    lease: bool = False
    """Hand the nonce over with an accepted answer (:class:`DigestLease`)."""


class Session(Reply):
    """A browser session: an opaque token for the cookie and a CSRF token for forms."""

    token: str
    csrf_token: str
    expires_at: datetime
    identity: Identity


class CreateSession(Command[Session]):
    """Log in with a name and password; answers a new session."""

    subject: ClassVar[str] = "accounts.session.create"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN

    name: str = Field(max_length=256)
    password: str = Field(max_length=256)
    client_address: ClientAddress


class VerifySession(Command[Session]):
    """Check a session token (and renew its expiry); 401 when unknown or expired."""

    subject: ClassVar[str] = "accounts.session.verify"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN

    token: str = Field(max_length=256)


class EndSession(Command[Ack]):
    """Log out: forget a session token."""

    subject: ClassVar[str] = "accounts.session.end"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN

    token: str = Field(max_length=256)


class AccessFailed(Event):
    """A failed authentication, as the access log shows it."""

    subject: ClassVar[str] = "accounts.access.failed"

    at: datetime
    client_address: str
    name: str
    method: str
    page: str
    reason: str
