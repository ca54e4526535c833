"""An update signed by the key of the installed custom signed OS certificate (accounts keeps it)."""

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from actkit_core.testing.certificates import CertificateAuthority
from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Forbidden, Invalid, NotFound
from actkit_proto.accounts import GetOsCertificate, OsCertificate
from actkit_proto.system import StartUpgrade, UpgradeStage
from actkit_system.handlers import Deps
from actkit_system.handlers.rollout.bundle import sign

from .rollouts import manifest, upgrade


class InstalledCertificate:
    """accounts' answer: the custom signed OS certificate, until it is removed."""

    def __init__(self) -> None:
        self.pem: str | None = None

    async def answer(self, _command: GetOsCertificate) -> OsCertificate:
        if self.pem is None:
            raise NotFound("no custom signed OS certificate is installed")
        certificate = x509.load_pem_x509_certificate(self.pem.encode())
        return OsCertificate(
            subject_name=certificate.subject.rfc4514_string(),
            issuer_name=certificate.issuer.rfc4514_string(),
            device_serial="",
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
            fingerprint_sha256="",
            certificate_pem=self.pem,
        )


@pytest.fixture
def installed(fake_bus: FakeBus) -> InstalledCertificate:
    answering = InstalledCertificate()
    fake_bus.answer(GetOsCertificate, answering.answer)
    return answering


def _custom(key: Ed25519PrivateKey, serial: str, clock: FakeClock, days: int = 30) -> str:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "custom software"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, serial),
        ]
    )
    certificate = CertificateAuthority("OS signing").sign(
        key.public_key(),
        subject,
        not_before=clock.now() - timedelta(days=abs(days) + 1),
        not_after=clock.now() + timedelta(days=days),
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _private(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


async def test_custom_software_installs_while_its_certificate_is_installed_then_not(
    fake_bus: FakeBus, deps: Deps, installed: InstalledCertificate, clock: FakeClock
) -> None:
    key = Ed25519PrivateKey.generate()
    bundle = sign(manifest(), _private(key))
    with pytest.raises(Forbidden, match="does not verify with any trusted key"):
        await fake_bus.request(StartUpgrade(bundle=bundle))
    installed.pem = _custom(key, deps.identity.serial_number, clock)
    assert (await upgrade(fake_bus, deps, bundle)).stage is UpgradeStage.COMMITTED

    installed.pem = None  # removed: custom software stops at once
    again = sign(manifest("1.2.0"), _private(key))
    with pytest.raises(Forbidden, match="does not verify with any trusted key"):
        await fake_bus.request(StartUpgrade(bundle=again))


@pytest.mark.parametrize(
    ("serial", "days", "message"),
    [
        ("OTHER0000001", 30, r"is for device OTHER0000001, not this one \("),
        (None, -2, "is valid from .* UTC, not now"),
    ],
)
async def test_a_certificate_for_another_device_or_out_of_date_lets_nothing_in(
    fake_bus: FakeBus,
    deps: Deps,
    installed: InstalledCertificate,
    clock: FakeClock,
    serial: str | None,
    days: int,
    message: str,
) -> None:
    key = Ed25519PrivateKey.generate()
    installed.pem = _custom(key, serial or deps.identity.serial_number, clock, days)
    with pytest.raises(Forbidden, match=message):
        await fake_bus.request(StartUpgrade(bundle=sign(manifest(), _private(key))))


async def test_an_unknown_serial_number_of_this_device_matches_no_certificate(
    fake_bus: FakeBus, deps: Deps, installed: InstalledCertificate, clock: FakeClock
) -> None:
    key = Ed25519PrivateKey.generate()
    installed.pem = _custom(key, "", clock)
    object.__setattr__(deps, "identity", deps.identity.model_copy(update={"serial_number": ""}))
    with pytest.raises(Forbidden, match=r"not this one \(serial number unknown\)"):
        await fake_bus.request(StartUpgrade(bundle=sign(manifest(), _private(key))))


def _name(common_name: str, serial: str = "") -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if serial:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    return x509.Name(attributes)


def _issued(
    subject_key: Ed25519PrivateKey,
    subject: x509.Name,
    issuer_key: Ed25519PrivateKey,
    issuer: x509.Name,
    clock: FakeClock,
    *,
    is_ca: bool = False,
    days: int = 30,
) -> str:
    """A certificate of ``subject_key`` signed by ``issuer_key`` (Ed25519 both)."""
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(subject_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(clock.now() - timedelta(days=abs(days) + 1))
        .not_valid_after(clock.now() + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .sign(issuer_key, None)
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


async def test_a_key_the_custom_certificate_certified_signs_custom_software_while_it_is_installed(
    fake_bus: FakeBus, deps: Deps, installed: InstalledCertificate, clock: FakeClock
) -> None:
    os_key, signer_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    os_name = _name("custom software", deps.identity.serial_number)
    installed.pem = _issued(os_key, os_name, Ed25519PrivateKey.generate(), _name("OS signing"),
                            clock, is_ca=True)  # fmt: skip
    signer = _issued(signer_key, _name("release signer"), os_key, os_name, clock)
    bundle = sign(manifest(), _private(signer_key))
    with pytest.raises(Forbidden, match="does not verify with any trusted key"):
        await fake_bus.request(StartUpgrade(bundle=bundle))  # without the chain
    chained = bundle.model_copy(update={"signer_chain": [signer]})
    assert (await upgrade(fake_bus, deps, chained)).stage is UpgradeStage.COMMITTED

    installed.pem = None
    again = sign(manifest("1.2.0"), _private(signer_key)).model_copy(
        update={"signer_chain": [signer]}
    )
    with pytest.raises(Forbidden, match="does not verify with any trusted key"):
        await fake_bus.request(StartUpgrade(bundle=again))


@pytest.mark.parametrize(
    ("os_is_ca", "signer_days", "signed_by_os", "message"),
    [
        (False, 30, True, "CN=custom software is not a CA certificate"),
        (True, -2, True, "signer chain's CN=release signer is valid from .* not now"),
        (True, 30, False, "CN=release signer is not issued by .*CN=custom software"),
    ],
)
async def test_a_signer_chain_that_does_not_lead_to_the_custom_certificate_lets_nothing_in(
    fake_bus: FakeBus,
    deps: Deps,
    installed: InstalledCertificate,
    clock: FakeClock,
    os_is_ca: bool,
    signer_days: int,
    signed_by_os: bool,
    message: str,
) -> None:
    os_key, signer_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    os_name = _name("custom software", deps.identity.serial_number)
    installed.pem = _issued(os_key, os_name, Ed25519PrivateKey.generate(), _name("OS signing"),
                            clock, is_ca=os_is_ca)  # fmt: skip
    issuer = os_key if signed_by_os else Ed25519PrivateKey.generate()
    signer = _issued(signer_key, _name("release signer"), issuer, os_name, clock,
                     days=signer_days)  # fmt: skip
    bundle = sign(manifest(), _private(signer_key)).model_copy(update={"signer_chain": [signer]})
    with pytest.raises(Forbidden, match=message):
        await fake_bus.request(StartUpgrade(bundle=bundle))
    with pytest.raises(Invalid, match=r"signer_chain\[0\]: not a PEM certificate"):
        await fake_bus.request(
            StartUpgrade(bundle=bundle.model_copy(update={"signer_chain": ["nope"]}))
        )
