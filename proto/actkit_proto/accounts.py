"""Messages of the accounts service: first-run setup and every authentication question.

The web service asks these on each request it serves; the accounts service answers who the
client is and what role they have, or refuses with 401 (bad credentials) / 429 (blocked).
Failures are recorded in the access log by the accounts service itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from actkit_proto.base import Ack, Command, Event, Reply, Role

AccountName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
Password = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[\x20-\x7e]+$",
        description="1-64 printable ASCII characters (32-126).",
    ),
]
ClientAddress = Annotated[str, Field(max_length=64, description="The client's IP address.")]


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

    name: AccountName
    password: Password
    accept_licence: bool
    """The licence agreement must be accepted (400 otherwise)."""


class VerifyBasic(Command[Identity]):
    """Check a user name and password (HTTP Basic, or the login form)."""

    subject: ClassVar[str] = "accounts.auth.basic"
    required_role: ClassVar[Role] = Role.VIEWER

    name: str = Field(max_length=256)
    password: str = Field(max_length=256)
    client_address: ClientAddress
    page: str = Field(default="", max_length=256, description="The path asked for, for logs.")


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

    client_address: ClientAddress


class VerifyDigest(Command[Identity]):
    """Check an ``Authorization: Digest ...`` answer (RFC 7616, qop=auth)."""

    subject: ClassVar[str] = "accounts.auth.digest.verify"
    required_role: ClassVar[Role] = Role.VIEWER

    method: str = Field(max_length=16)
    authorization: str = Field(max_length=4096, description="The header value after 'Digest '.")
    client_address: ClientAddress
    page: str = Field(default="", max_length=256)


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

    name: str = Field(max_length=256)
    password: str = Field(max_length=256)
    client_address: ClientAddress


class VerifySession(Command[Session]):
    """Check a session token (and renew its expiry); 401 when unknown or expired."""

    subject: ClassVar[str] = "accounts.session.verify"
    required_role: ClassVar[Role] = Role.VIEWER

    token: str = Field(max_length=256)


class EndSession(Command[Ack]):
    """Log out: forget a session token."""

    subject: ClassVar[str] = "accounts.session.end"
    required_role: ClassVar[Role] = Role.VIEWER

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


# --- Accounts -------------------------------------------------------------------------------

MAX_ACCOUNTS = 100


class AccountInfo(Reply):
    """An account as the accounts page lists it (never its password)."""

    name: str
    role: Role
    is_first: bool = False
    """The first administrator ("root"): it can be neither deleted nor given a lower role."""


class AccountList(Reply):
    """Every account, by name."""

    accounts: list[AccountInfo]
    max_accounts: int = MAX_ACCOUNTS


class ListAccounts(Command[AccountList]):
    """List the accounts."""

    subject: ClassVar[str] = "accounts.account.list"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class AddAccount(Command[AccountInfo]):
    """Add an account (at most 100; the name must be unique, ignoring case)."""

    subject: ClassVar[str] = "accounts.account.add"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    name: AccountName
    password: Password
    role: Role


class UpdateAccount(Command[AccountInfo]):
    """Change an account's password and/or role; fields left out stay as they are.

    A new password ends the account's browser sessions.
    """

    subject: ClassVar[str] = "accounts.account.update"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    name: AccountName
    password: Password | None = None
    role: Role | None = None


class DeleteAccount(Command[Ack]):
    """Delete an account; the first administrator and the last administrator stay (409)."""

    subject: ClassVar[str] = "accounts.account.delete"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    name: AccountName


class AccountsChanged(Event):
    """The list of accounts changed (added, updated or deleted); carries the names only."""

    subject: ClassVar[str] = "accounts.account.changed"

    names: list[str]


# --- The permission table ----------------------------------------------------------------------


class RolePrivileges(Reply):
    """What one role may do: the manual's words and every command it may send."""

    role: Role
    title: str
    description: str
    subjects: list[str]
    """The subject of every command whose ``required_role`` this role meets."""


class PrivilegeTable(Reply):
    """The roles, lowest first, each including everything the lower ones may do."""

    roles: list[RolePrivileges]


class GetPrivileges(Command[PrivilegeTable]):
    """The permission table, read from each command's ``required_role`` (for the web's menus)."""

    subject: ClassVar[str] = "accounts.privileges.get"
    required_role: ClassVar[Role] = Role.VIEWER


# --- Authentication and anonymous access ----------------------------------------------------

HttpAuthentication = Literal["basic", "digest", "auto"]


class AuthSettings(Reply):
    """How clients may authenticate, and what anonymous clients may do."""

    http_authentication: HttpAuthentication = "auto"
    """``basic`` or ``digest`` only, or ``auto``: both (Digest offered first)."""
    allow_anonymous_viewing: bool = False
    """Anyone may use the device as a viewer without logging in."""
    allow_anonymous_ptz: bool = False
    """Anonymous clients may pan, tilt and zoom (kept for the manual's control; no PTZ here)."""


class GetAuthSettings(Command[AuthSettings]):
    """The authentication and anonymous access settings (asked by the web on each request)."""

    subject: ClassVar[str] = "accounts.auth.settings.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetAuthSettings(Command[AuthSettings]):
    """Change the authentication and anonymous access settings; fields left out stay."""

    subject: ClassVar[str] = "accounts.auth.settings.set"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    http_authentication: HttpAuthentication | None = None
    allow_anonymous_viewing: bool | None = None
    allow_anonymous_ptz: bool | None = None


# --- Brute-force blocking and the access log --------------------------------------------------


class BruteForceSettings(Reply):
    """The manual's "Prevent brute-force attacks"."""

    is_enabled: bool = True
    blocking_period_s: int = Field(default=10, ge=1, le=86_400)
    failures_per_page: int = Field(default=20, ge=1, le=10_000)
    """Failures allowed per second on one page before the client is blocked there."""
    failures_per_device: int = Field(default=100, ge=1, le=10_000)
    """Failures allowed per second on the device before the client is blocked everywhere."""


class GetBruteForceSettings(Command[BruteForceSettings]):
    """The brute-force blocking settings."""

    subject: ClassVar[str] = "accounts.bruteforce.get"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class SetBruteForceSettings(Command[BruteForceSettings]):
    """Change the brute-force blocking settings; fields left out stay."""

    subject: ClassVar[str] = "accounts.bruteforce.set"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    is_enabled: bool | None = None
    blocking_period_s: int | None = Field(default=None, ge=1, le=86_400)
    failures_per_page: int | None = Field(default=None, ge=1, le=10_000)
    failures_per_device: int | None = Field(default=None, ge=1, le=10_000)


class AccessLog(Reply):
    """The latest failed attempts, newest first."""

    entries: list[AccessFailed]


class ListAccessFailures(Command[AccessLog]):
    """The access log: failed and blocked attempts since the service started (newest first)."""

    subject: ClassVar[str] = "accounts.access.list"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    limit: int = Field(default=100, ge=1, le=1000)
