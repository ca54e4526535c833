"""OpenID Connect: its settings, and logins that end in a browser session."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from actkit_accounts.domain.openid import (
    Provider,
    begin_login,
    check_provider_url,
    remote_name,
    role_for,
)
from actkit_accounts.handlers.authentication import (
    check_not_blocked,
    count,
    record_failure,
    session,
)
from actkit_accounts.handlers.certificates import set_certificate_use
from actkit_accounts.handlers.deps import Deps
from actkit_accounts.ports import OpenIdPort
from actkit_accounts.store import StoredOpenId
from actkit_proto import BusError, Invalid, Unauthenticated, Unavailable
from actkit_proto.accounts import (
    BeginOpenIdLogin,
    CompleteOpenIdLogin,
    GetOpenIdSettings,
    OpenIdLoginStart,
    OpenIdSettings,
    Session,
    SetCertificateUse,
    SetOpenIdSettings,
)

OPENID_USER = "openid"
"""How OpenID is named in its CA certificate's ``used_by``."""
LOGIN_LIFETIME_S = 600
MAX_PENDING_LOGINS = 1000


async def get_openid_settings(_command: GetOpenIdSettings, deps: Deps) -> OpenIdSettings:
    return deps.openid.settings


async def set_openid_settings(command: SetOpenIdSettings, deps: Deps) -> OpenIdSettings:
    changes = command.model_dump(exclude_none=True, exclude={"actor", "client_secret"})
    secret = deps.openid.client_secret if command.client_secret is None else command.client_secret
    settings = deps.openid.settings.model_copy(
        update={**changes, "has_client_secret": bool(secret)}
    )
    if settings.provider_url:
        check_provider_url(settings.provider_url)
    if settings.ca_certificate:
        await _check_authority(deps, settings.ca_certificate)
    provider = deps.openid.provider
    if settings.is_enabled:
        if not (settings.provider_url and settings.client_id and secret):
            raise Invalid("give the provider URL, client ID and client secret to turn OpenID on")
        if not any((settings.admin_claim, settings.operator_claim, settings.viewer_claim)):
            raise Invalid("give at least one of the administrator, operator or viewer claims")
        async with _client(deps, settings) as client:
            provider = await client.discover(settings.provider_url)
    was = deps.openid.settings.ca_certificate
    await deps.store.sections.save(StoredOpenId(**settings.model_dump(), client_secret=secret))
    deps.openid.settings, deps.openid.client_secret = settings, secret
    if settings.ca_certificate != was:
        await mark_openid_authority(deps, settings.ca_certificate, was)
    deps.openid.provider = provider if settings.is_enabled else None
    deps.openid.pending.clear()
    return settings


async def begin_openid_login(command: BeginOpenIdLogin, deps: Deps) -> OpenIdLoginStart:
    settings = deps.openid.settings
    if not settings.is_enabled:
        raise Unavailable("OpenID is turned off on this device; log in with an account")
    if not command.redirect_uri.startswith(("https://", "http://")):
        raise Invalid("the redirect URI must be an http(s) URL")
    provider = await _provider(deps)
    now_s = deps.clock.now().timestamp()
    url, state, pending = begin_login(
        provider, settings.client_id, settings.scopes, command.redirect_uri, now_s
    )
    logins = deps.openid.pending
    for old in [s for s, p in logins.items() if now_s - p.started_at_s > LOGIN_LIFETIME_S]:
        del logins[old]
    while len(logins) >= MAX_PENDING_LOGINS:
        del logins[next(iter(logins))]
    logins[state] = pending
    return OpenIdLoginStart(authorization_url=url, state=state)


async def complete_openid_login(command: CompleteOpenIdLogin, deps: Deps) -> Session:
    page = "openid"
    await check_not_blocked(deps, command.client_address, page, "OpenID", "")
    pending = deps.openid.pending.pop(command.state, None)
    now_s = deps.clock.now().timestamp()
    if pending is None or now_s - pending.started_at_s > LOGIN_LIFETIME_S:
        raise Unauthenticated("this OpenID login is unknown or too old; start again")
    settings = deps.openid.settings
    try:
        async with _client(deps, settings) as client:
            claims = await client.complete(
                await _provider(deps),
                settings.client_id,
                deps.openid.client_secret,
                pending,
                command.code,
            )
        role = role_for(claims, settings)
    except Unavailable:
        raise
    except BusError as exc:
        await record_failure(deps, command.client_address, "", page, "OpenID", exc.message)
        raise
    count("OpenID", "accepted")
    name = remote_name(claims, settings)
    token, entry = deps.sessions.open(name, deps.clock.now(), role=role)
    return session(token, entry, name, role)


async def _provider(deps: Deps) -> Provider:
    if deps.openid.provider is None:
        async with _client(deps, deps.openid.settings) as client:
            deps.openid.provider = await client.discover(deps.openid.settings.provider_url)
    return deps.openid.provider


async def _check_authority(deps: Deps, cert_id: str) -> None:
    chosen = await deps.certificates.get(cert_id)
    if chosen is None or chosen.kind != "ca":
        raise Invalid(f"ca_certificate: the store has no CA certificate {cert_id!r}")


async def mark_openid_authority(deps: Deps, chosen: str, released: str) -> None:
    """Mark ``chosen`` in use by OpenID (so it cannot be deleted) and release ``released``."""
    for cert_id, is_used in ((chosen, True), (released, False)):
        if cert_id and await deps.certificates.get(cert_id) is not None:
            await set_certificate_use(
                SetCertificateUse(cert_id=cert_id, user=OPENID_USER, is_used=is_used), deps
            )


@contextlib.asynccontextmanager
async def _client(deps: Deps, settings: OpenIdSettings) -> AsyncIterator[OpenIdPort]:
    authorities = [
        c.certificate_pem
        for c in await deps.certificates.load()
        if c.kind == "ca" and settings.ca_certificate in ("", c.cert_id)
    ]
    client = deps.open_openid("".join(authorities), settings.outgoing_proxy)
    try:
        yield client
    finally:
        await client.close()
