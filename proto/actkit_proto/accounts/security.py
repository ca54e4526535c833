"""How clients authenticate, anonymous access, brute-force blocking and the access log."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from actkit_proto.accounts.signin import AccessFailed
from actkit_proto.base import Command, Event, Reply, Role

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


class AuthSettingsChanged(Event):
    """The authentication settings changed (set, restored or reset)."""

    subject: ClassVar[str] = "accounts.auth.settings.changed"

    settings: AuthSettings


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


class AccessFailures(Reply):
    """The latest failed attempts, newest first."""

    entries: list[AccessFailed]


AccessFailuresLimit = Annotated[int, Field(ge=1, le=1000)]
"""How many failed attempts one read of the access log answers at most."""


class ListAccessFailures(Command[AccessFailures]):
    """The access log: failed and blocked attempts since the service started (newest first)."""

    subject: ClassVar[str] = "accounts.access.list"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    limit: AccessFailuresLimit = 100
