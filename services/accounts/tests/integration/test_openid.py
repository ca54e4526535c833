"""OpenID logins against a local provider over HTTPS, through the service on a real bus."""

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import pytest_asyncio
from joserfc.jwk import RSAKey

from actkit_accounts.main import serve
from actkit_accounts.settings import AccountsSettings
from actkit_core.bus import Bus
from actkit_core.testing.certificates import CertificateAuthority
from actkit_core.testing.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider, serve_provider
from actkit_core.testing.plugin import running
from actkit_proto import Conflict, Forbidden, Invalid, Unauthenticated, Unavailable
from actkit_proto.accounts import (
    BeginOpenIdLogin,
    CompleteOpenIdLogin,
    DeleteCertificate,
    GetCertificate,
    GetOpenIdSettings,
    ImportCertificate,
    ListAccessFailures,
    SetOpenIdSettings,
    VerifySession,
)
from actkit_proto.base import Role
from actkit_proto.params import RestoreScope, RestoreSettings

from ..conftest import CHEAP_ARGON2

REDIRECT = "https://device.example/openid/callback"


@pytest_asyncio.fixture
async def provider() -> AsyncIterator[OidcProvider]:
    with serve_provider() as running_provider:
        yield running_provider


@pytest_asyncio.fixture
async def service(bus: Bus, nats_server: str, tmp_path: Path) -> AsyncIterator[Bus]:
    settings = AccountsSettings(
        nats_url=nats_server, data_dir=tmp_path / "data", metrics_port=0, **CHEAP_ARGON2
    )
    async with running(serve, settings):
        yield bus


def enable(provider: OidcProvider, **extra: str) -> SetOpenIdSettings:
    return SetOpenIdSettings(
        is_enabled=True,
        provider_url=provider.discovery_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        admin_claim="groups=camera-admins",
        viewer_claim="groups=staff",
        **extra,  # type: ignore[arg-type]
    )


async def log_in(bus: Bus, provider: OidcProvider, **claims: object) -> CompleteOpenIdLogin:
    start = await bus.request(BeginOpenIdLogin(redirect_uri=REDIRECT, client_address="10.9.9.9"))
    query = {k: v[0] for k, v in parse_qs(urlsplit(start.authorization_url).query).items()}
    assert start.authorization_url.startswith(f"{provider.url}/authorize?")
    assert (query["client_id"], query["redirect_uri"], query["state"]) == (
        CLIENT_ID,
        REDIRECT,
        start.state,
    )
    assert query["code_challenge_method"] == "S256"
    assert "openid" in query["scope"].split()
    code = provider.log_in(query["nonce"], query["code_challenge"], REDIRECT, **claims)
    return CompleteOpenIdLogin(state=start.state, code=code, client_address="10.9.9.9")


async def trust(bus: Bus, provider: OidcProvider) -> None:
    await bus.request(ImportCertificate(cert_id="oidc-ca", kind="ca", certificate=provider.ca_pem))


async def test_the_provider_must_be_trusted_before_openid_turns_on(
    service: Bus, provider: OidcProvider
) -> None:
    with pytest.raises(Invalid, match="must look like https://"):
        await service.request(SetOpenIdSettings(provider_url=f"{provider.url}/config"))
    with pytest.raises(Unavailable, match="CERTIFICATE_VERIFY_FAILED"):
        await service.request(enable(provider))
    assert not (await service.request(GetOpenIdSettings())).is_enabled
    await trust(service, provider)
    settings = await service.request(enable(provider))
    assert settings.is_enabled
    assert settings.has_client_secret
    assert CLIENT_SECRET not in settings.model_dump_json()


async def test_the_provider_may_be_trusted_through_one_chosen_ca_certificate_of_the_store(
    service: Bus, provider: OidcProvider
) -> None:
    await trust(service, provider)
    other = CertificateAuthority("another CA")
    await service.request(ImportCertificate(cert_id="other-ca", kind="ca", certificate=other.pem))
    with pytest.raises(Invalid, match="the store has no CA certificate 'web-https'"):
        await service.request(SetOpenIdSettings(ca_certificate="web-https"))
    with pytest.raises(Unavailable, match="CERTIFICATE_VERIFY_FAILED"):
        await service.request(enable(provider, ca_certificate="other-ca"))
    assert (await service.request(GetOpenIdSettings())).ca_certificate == ""
    settings = await service.request(enable(provider, ca_certificate="oidc-ca"))
    assert (settings.is_enabled, settings.ca_certificate) == (True, "oidc-ca")
    assert (await service.request(GetCertificate(cert_id="oidc-ca"))).used_by == ["openid"]
    with pytest.raises(Conflict, match="'oidc-ca' is in use by openid"):
        await service.request(DeleteCertificate(cert_id="oidc-ca"))
    await service.request(RestoreSettings(service="accounts", scope=RestoreScope.RESTORE))
    assert (await service.request(GetCertificate(cert_id="oidc-ca"))).used_by == []


async def test_an_openid_login_opens_a_session_with_the_role_of_its_claims(
    service: Bus, provider: OidcProvider
) -> None:
    await trust(service, provider)
    await service.request(enable(provider))
    session = await service.request(
        await log_in(service, provider, preferred_username="alice", groups=["camera-admins"])
    )
    assert (session.identity.name, session.identity.role) == ("alice", Role.ADMINISTRATOR)
    checked = await service.request(VerifySession(token=session.token))
    assert checked.identity == session.identity
    viewer = await service.request(
        await log_in(service, provider, preferred_username="bob", groups=["staff"])
    )
    assert viewer.identity.role is Role.VIEWER


async def test_a_token_without_the_required_claim_is_refused_and_logged(
    service: Bus, provider: OidcProvider
) -> None:
    await trust(service, provider)
    await service.request(enable(provider, require_claim="department=police"))
    with pytest.raises(Forbidden, match="lacks the required claim department=police"):
        await service.request(
            await log_in(service, provider, groups=["camera-admins"], department="fire")
        )
    [entry] = (await service.request(ListAccessFailures())).entries
    assert (entry.method, entry.client_address) == ("OpenID", "10.9.9.9")


async def test_a_login_state_is_used_once(service: Bus, provider: OidcProvider) -> None:
    await trust(service, provider)
    await service.request(enable(provider))
    finish = await log_in(service, provider, groups=["staff"])
    await service.request(finish)
    with pytest.raises(Unauthenticated, match="unknown or too old"):
        await service.request(finish)
    with pytest.raises(Unauthenticated, match="refused the login"):
        start = await service.request(
            BeginOpenIdLogin(redirect_uri=REDIRECT, client_address="10.9.9.9")
        )
        await service.request(
            CompleteOpenIdLogin(state=start.state, code="forged", client_address="10.9.9.9")
        )


async def test_an_id_token_not_signed_by_the_providers_published_key_is_refused(
    service: Bus, provider: OidcProvider
) -> None:
    await trust(service, provider)
    await service.request(enable(provider))
    provider.impostor_key = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
    with pytest.raises(Unauthenticated, match="ID token is not valid"):
        await service.request(await log_in(service, provider, groups=["camera-admins"]))
