from collections.abc import Callable
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from actkit_accounts.handlers import Deps
from actkit_core.testing.certificates import CertificateAuthority
from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Invalid, NotFound, Unavailable
from actkit_proto.accounts import DeleteOsCertificate, GetOsCertificate, InstallOsCertificate

SERIAL = "B8A44F000001"
Sign = Callable[..., str]


@pytest.fixture
def signer() -> CertificateAuthority:
    return CertificateAuthority("OS signing")


@pytest.fixture
def sign(clock: FakeClock) -> Sign:
    def make(signer: CertificateAuthority, serial: str = SERIAL, days: int = 30) -> str:
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, "custom software"),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, serial),
            ]
        )
        certificate = signer.sign(
            ec.generate_private_key(ec.SECP256R1()).public_key(),
            subject,
            not_before=clock.now() - timedelta(days=1),
            not_after=clock.now() + timedelta(days=days),
        )
        return certificate.public_bytes(serialization.Encoding.PEM).decode()

    return make


@pytest.fixture
def extra_settings(signer: CertificateAuthority) -> dict[str, object]:
    public_pem = signer.certificate.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {"os_signing_key_pem": public_pem.decode(), "device_serial": SERIAL}


async def test_a_certificate_signed_by_the_configured_key_installs_and_deletes(
    fake_bus: FakeBus, deps: Deps, signer: CertificateAuthority, sign: Sign
) -> None:
    with pytest.raises(NotFound):
        await fake_bus.request(GetOsCertificate())
    installed = await fake_bus.request(InstallOsCertificate(certificate=sign(signer)))
    assert installed.device_serial == SERIAL
    assert await fake_bus.request(GetOsCertificate()) == installed
    await fake_bus.request(DeleteOsCertificate())
    with pytest.raises(NotFound):
        await fake_bus.request(GetOsCertificate())


async def test_a_certificate_signed_by_another_key_is_refused(
    fake_bus: FakeBus, deps: Deps, sign: Sign
) -> None:
    with pytest.raises(Invalid, match="not signed by the configured OS signing key"):
        await fake_bus.request(InstallOsCertificate(certificate=sign(CertificateAuthority())))


async def test_a_certificate_for_another_device_or_expired_is_refused(
    fake_bus: FakeBus,
    deps: Deps,
    signer: CertificateAuthority,
    sign: Sign,
    clock: FakeClock,
) -> None:
    with pytest.raises(Invalid, match="for device OTHER, not this one"):
        await fake_bus.request(InstallOsCertificate(certificate=sign(signer, "OTHER")))
    expiring = sign(signer, days=1)
    clock.advance(2 * 86_400)
    with pytest.raises(Invalid, match="not now"):
        await fake_bus.request(InstallOsCertificate(certificate=expiring))


@pytest.mark.parametrize("extra_settings", [{}])
async def test_without_a_configured_key_nothing_installs(
    fake_bus: FakeBus, deps: Deps, signer: CertificateAuthority, sign: Sign
) -> None:
    with pytest.raises(Unavailable, match="no signing key is configured"):
        await fake_bus.request(InstallOsCertificate(certificate=sign(signer)))


async def test_without_a_known_serial_number_nothing_installs(
    fake_bus: FakeBus, deps: Deps, signer: CertificateAuthority, sign: Sign
) -> None:
    object.__setattr__(deps, "device_serial", "")
    for serial in (SERIAL, ""):
        with pytest.raises(Unavailable, match="serial number is not configured"):
            await fake_bus.request(InstallOsCertificate(certificate=sign(signer, serial)))
    with pytest.raises(NotFound):
        await fake_bus.request(GetOsCertificate())


async def test_the_installed_certificate_is_told_with_its_pem(
    fake_bus: FakeBus, deps: Deps, signer: CertificateAuthority, sign: Sign
) -> None:
    pem = sign(signer)
    await fake_bus.request(InstallOsCertificate(certificate=pem))
    assert (await fake_bus.request(GetOsCertificate())).certificate_pem == pem
