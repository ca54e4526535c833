"""OpenID Connect: its settings and the sign-in through a provider."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from actkit_proto.accounts.common import SIGN_IN, ClientAddress
from actkit_proto.accounts.signin import Session
from actkit_proto.base import Command, Reply, Role, read_only, write_only

ClaimRule = Annotated[
    str,
    Field(
        max_length=256,
        pattern=r"^([^=\s]+=[^=]+)?$",
        description="claim=value, e.g. groups=camera-admins; empty: unused.",
    ),
]


class OpenIdSettings(Reply):
    """The manual's "OpenID Configuration" (the client secret is never read back)."""

    is_enabled: bool = False
    provider_url: str = ""
    """``https://<provider>/.well-known/openid-configuration``."""
    client_id: str = ""
    has_client_secret: bool = read_only(False)
    admin_claim: str = ""
    """``claim=value`` that makes a user an administrator."""
    operator_claim: str = ""
    viewer_claim: str = ""
    require_claim: str = ""
    """``claim=value`` every token must carry to log in at all."""
    remote_user: str = "preferred_username"
    """The claim that names the user in the web interface."""
    scopes: list[str] = Field(default_factory=lambda: ["openid", "profile"])
    outgoing_proxy: str = ""
    """``http://proxy:port`` for the connection to the provider; empty: direct."""
    ca_certificate: str = Field(default="", max_length=64, pattern=r"^[A-Za-z0-9_\-]*$")
    """The store's CA certificate the provider's certificate must chain to, marked in use by
    ``openid``; empty: any CA certificate of the store."""


class GetOpenIdSettings(Command[OpenIdSettings]):
    """The OpenID settings."""

    subject: ClassVar[str] = "accounts.openid.get"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class SetOpenIdSettings(Command[OpenIdSettings]):
    """Change the OpenID settings; fields left out stay.

    Turning it on (or changing the provider while on) fetches and checks the provider's
    discovery document first; 400 or 503 says what is wrong.
    """

    subject: ClassVar[str] = "accounts.openid.set"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    is_enabled: bool | None = None
    provider_url: str | None = Field(default=None, max_length=2048)
    client_id: str | None = Field(default=None, max_length=256)
    client_secret: str | None = write_only(max_length=1024)
    """Write only: kept when left out."""
    admin_claim: ClaimRule | None = None
    operator_claim: ClaimRule | None = None
    viewer_claim: ClaimRule | None = None
    require_claim: ClaimRule | None = None
    remote_user: str | None = Field(default=None, min_length=1, max_length=64)
    scopes: list[Annotated[str, Field(pattern=r"^[\x21\x23-\x5b\x5d-\x7e]+$")]] | None = Field(
        default=None, max_length=20
    )
    outgoing_proxy: str | None = Field(default=None, max_length=2048)
    ca_certificate: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_\-]*$")
    """A CA certificate of the store by id; an empty string: any of them."""


class OpenIdLoginStart(Reply):
    """Where to send the browser to log in at the provider."""

    authorization_url: str
    state: str


class BeginOpenIdLogin(Command[OpenIdLoginStart]):
    """Start an OpenID login (authorization code flow with PKCE)."""

    subject: ClassVar[str] = "accounts.openid.begin"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN

    redirect_uri: str = Field(max_length=2048, description="Where the provider sends the code.")
    client_address: ClientAddress


class CompleteOpenIdLogin(Command[Session]):
    """Finish an OpenID login with the provider's answer; opens a browser session."""

    subject: ClassVar[str] = "accounts.openid.complete"
    required_role: ClassVar[Role] = Role.VIEWER
    internal_for: ClassVar[tuple[str, ...]] = SIGN_IN

    state: str = Field(max_length=256)
    code: str = Field(max_length=4096)
    client_address: ClientAddress
