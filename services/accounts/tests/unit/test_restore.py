"""Maintenance's restore and factory default, as the system service fans them out."""

import pytest

from actkit_accounts.adapters.sim import SimSsh
from actkit_accounts.handlers import Deps
from actkit_accounts.handlers.certificates import PREINSTALLED_CA
from actkit_accounts.store import OsCertificatePem
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Unauthenticated
from actkit_proto.accounts import (
    AccountsChanged,
    AddAccount,
    AddOnvifAccount,
    AddSshAccount,
    AuthSettings,
    BruteForceSettings,
    CertificateList,
    CreateFirstAdministrator,
    CreateSelfSignedCertificate,
    CreateSession,
    DeleteCertificate,
    GetAuthSettings,
    GetBruteForceSettings,
    GetOpenIdSettings,
    GetSetupState,
    GetSshAccounts,
    ListAccounts,
    ListCertificates,
    ListOnvifAccounts,
    OpenIdSettings,
    SetAuthSettings,
    SetBruteForceSettings,
    SetOpenIdSettings,
    SetSshEnabled,
    VerifyBasic,
    VerifySession,
    VerifyUsernameToken,
    WebCertificateChanged,
)
from actkit_proto.base import Role
from actkit_proto.params import ListParameters, RestoreScope, RestoreSettings

from ..conftest import ADMIN, ADMIN_PASSWORD

CLIENT = "192.0.2.1"
PROVIDER = "https://idp.example/.well-known/openid-configuration"


async def configure_everything(fake_bus: FakeBus, deps: Deps) -> str:
    """A device in use: accounts of every kind, changed settings, a custom certificate.

    Returns the fingerprint of the web certificate.
    """
    await fake_bus.request(AddAccount(name="op", password="op pw", role=Role.OPERATOR))
    await fake_bus.request(AddOnvifAccount(name="vms", password="vms pw", role="media"))
    await fake_bus.request(AddSshAccount(name="tech", password="ssh pw"))
    await fake_bus.request(SetSshEnabled(is_enabled=True))
    await fake_bus.request(
        SetAuthSettings(http_authentication="digest", allow_anonymous_viewing=True)
    )
    await fake_bus.request(SetBruteForceSettings(blocking_period_s=600, failures_per_page=3))
    await fake_bus.request(
        SetOpenIdSettings(provider_url=PROVIDER, client_id="camera", client_secret="s3cret")
    )
    await fake_bus.request(CreateSelfSignedCertificate(cert_id="custom", common_name="custom"))
    await fake_bus.request(DeleteCertificate(cert_id="isrg-root-x1"))
    await deps.store.sections.save(OsCertificatePem("-----BEGIN CERTIFICATE-----"))
    return web_fingerprint(await fake_bus.request(ListCertificates()))


def web_fingerprint(listing: CertificateList) -> str:
    [web] = [c for c in listing.certificates if "https" in c.used_by]
    return web.fingerprint_sha256


async def assert_settings_are_defaults(fake_bus: FakeBus, deps: Deps) -> None:
    assert await fake_bus.request(GetAuthSettings()) == AuthSettings()
    assert await fake_bus.request(GetBruteForceSettings()) == BruteForceSettings()
    assert await fake_bus.request(GetOpenIdSettings()) == OpenIdSettings()
    assert deps.openid.client_secret == ""
    assert await deps.store.sections.load_optional(AuthSettings) is None
    ssh = await fake_bus.request(GetSshAccounts())
    assert not ssh.is_enabled
    parameters = await fake_bus.request(ListParameters(service="accounts"))
    assert all(p.value == p.default for p in parameters.parameters)


async def test_factory_default_removes_every_account_and_certificate_and_asks_for_setup(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    old_web = await configure_everything(fake_bus, set_up)
    session = await fake_bus.request(
        CreateSession(name=ADMIN, password=ADMIN_PASSWORD, client_address=CLIENT)
    )
    fake_bus.published.clear()

    await fake_bus.request(RestoreSettings(service="accounts", scope=RestoreScope.FACTORY_DEFAULT))

    assert (await fake_bus.request(GetSetupState())).is_setup_required
    assert await set_up.store.load() == []
    with pytest.raises(Unauthenticated, match="create the first administrator"):
        await fake_bus.request(
            VerifyBasic(name=ADMIN, password=ADMIN_PASSWORD, client_address=CLIENT)
        )
    with pytest.raises(Unauthenticated):
        await fake_bus.request(VerifySession(token=session.token))
    assert (await fake_bus.request(ListOnvifAccounts())).accounts == []
    assert (await fake_bus.request(GetSshAccounts())).accounts == []
    assert isinstance(set_up.ssh, SimSsh)
    assert set_up.ssh.users == {}
    await assert_settings_are_defaults(fake_bus, set_up)
    assert await set_up.store.sections.load_optional(OsCertificatePem) is None
    assert list(set_up.access_log) == []

    listing = await fake_bus.request(ListCertificates())
    ids = {c.cert_id for c in listing.certificates}
    assert "custom" not in ids
    assert set(PREINSTALLED_CA.values()) <= ids
    new_web = web_fingerprint(listing)
    assert new_web != old_web
    assert AccountsChanged(names=["op", ADMIN]) in fake_bus.published
    assert any(isinstance(e, WebCertificateChanged) for e in fake_bus.published)

    # The device is new again: the first administrator is created once more.
    await fake_bus.request(
        CreateFirstAdministrator(name="owner", password="new pw", accept_licence=True)
    )
    assert (await fake_bus.request(ListAccounts())).accounts[0].is_first


async def test_restore_resets_the_settings_and_keeps_accounts_and_certificates(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    old_web = await configure_everything(fake_bus, set_up)
    await fake_bus.request(RestoreSettings(service="accounts", scope=RestoreScope.RESTORE))

    await assert_settings_are_defaults(fake_bus, set_up)
    assert not (await fake_bus.request(GetSetupState())).is_setup_required
    for name, password in ((ADMIN, ADMIN_PASSWORD), ("op", "op pw")):
        assert (
            await fake_bus.request(VerifyBasic(name=name, password=password, client_address=CLIENT))
        ).name == name
    assert (
        await fake_bus.request(
            VerifyUsernameToken(
                username="vms", password="vms pw", password_type="text", client_address=CLIENT
            )
        )
    ).role == "media"
    ssh = await fake_bus.request(GetSshAccounts())
    assert [a.name for a in ssh.accounts] == ["tech"]
    assert isinstance(set_up.ssh, SimSsh)
    assert not set_up.ssh.can_log_in("tech", "ssh pw")
    await fake_bus.request(SetSshEnabled(is_enabled=True))
    assert set_up.ssh.can_log_in("tech", "ssh pw")

    listing = await fake_bus.request(ListCertificates())
    ids = {c.cert_id for c in listing.certificates}
    assert "custom" in ids
    assert "isrg-root-x1" not in ids
    assert web_fingerprint(listing) == old_web
    assert await set_up.store.sections.load_optional(OsCertificatePem) is not None
