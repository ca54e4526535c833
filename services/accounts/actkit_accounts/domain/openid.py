"""OpenID claims: which role a token gives, and whether it may log in at all."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from actkit_proto import Forbidden, Invalid
from actkit_proto.accounts import OpenIdSettings
from actkit_proto.base import Role

DISCOVERY_PATH = "/.well-known/openid-configuration"


@dataclass(frozen=True)
class Provider:
    """What the discovery document says about the provider."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True)
class PendingLogin:
    """A login sent to the provider and not yet back."""

    redirect_uri: str
    nonce: str
    code_verifier: str
    started_at_s: float


def check_provider_url(url: str) -> None:
    """Refuse a provider URL that is not an https discovery document address."""
    if not url.startswith("https://") or not url.endswith(DISCOVERY_PATH):
        raise Invalid(f"the provider URL must look like https://<provider>{DISCOVERY_PATH}")


def has_claim(claims: Mapping[str, Any], rule: str) -> bool:
    """Whether ``claims`` satisfy ``claim=value`` (a list claim must contain the value)."""
    name, _, value = rule.partition("=")
    found = claims.get(name)
    if isinstance(found, list):
        return value in [str(item) for item in found]
    return found is not None and str(found) == value


def role_for(claims: Mapping[str, Any], settings: OpenIdSettings) -> Role:
    """The highest role whose claim the token carries; Forbidden when none or not required."""
    if settings.require_claim and not has_claim(claims, settings.require_claim):
        raise Forbidden(f"the token lacks the required claim {settings.require_claim}")
    for rule, role in (
        (settings.admin_claim, Role.ADMINISTRATOR),
        (settings.operator_claim, Role.OPERATOR),
        (settings.viewer_claim, Role.VIEWER),
    ):
        if rule and has_claim(claims, rule):
            return role
    raise Forbidden("the token carries none of the administrator, operator or viewer claims")


def remote_name(claims: Mapping[str, Any], settings: OpenIdSettings) -> str:
    """The user's name for the web interface: the remote user claim, else the subject."""
    name = claims.get(settings.remote_user) or claims.get("sub") or "openid"
    return str(name)[:64]


def begin_login(
    provider: Provider, client_id: str, scopes: list[str], redirect_uri: str, now_s: float
) -> tuple[str, str, PendingLogin]:
    """The authorization URL, its state, and what to keep until the browser is back."""
    # Imported when a login starts: Authlib is not needed by a device that never uses OpenID.
    from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    state = secrets.token_urlsafe(24)
    pending = PendingLogin(
        redirect_uri, secrets.token_urlsafe(24), secrets.token_urlsafe(48), now_s
    )
    url = prepare_grant_uri(
        provider.authorization_endpoint,
        client_id,
        "code",
        redirect_uri=redirect_uri,
        scope=" ".join(dict.fromkeys(["openid", *scopes])),
        state=state,
        nonce=pending.nonce,
        code_challenge=create_s256_code_challenge(pending.code_verifier),
        code_challenge_method="S256",
    )
    return str(url), state, pending
