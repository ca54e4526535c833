"""The files of the certificates 802.1X uses: written by accounts, renewed, removed."""

import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from actkit_accounts.handlers import Deps
from actkit_core.testing.certificates import CertificateAuthority
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Conflict, NotFound, Unavailable
from actkit_proto.accounts import (
    CreateSelfSignedCertificate,
    CreateSigningRequest,
    DeleteCertificate,
    GetCertificate,
    ImportCertificate,
    SetCertificateUse,
)

DOT1X = "ieee8021x"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def _use(fake_bus: FakeBus, cert_id: str, *, is_used: bool = True, user: str = DOT1X) -> None:
    await fake_bus.request(SetCertificateUse(cert_id=cert_id, user=user, is_used=is_used))


async def test_a_client_certificate_in_use_by_8021x_has_its_files_with_a_private_key_file(
    fake_bus: FakeBus, deps: Deps
) -> None:
    folder = deps.certificate_dir
    assert folder is not None
    authority = CertificateAuthority("Fleet CA")
    issued = authority.issue("car-12")
    await fake_bus.request(
        ImportCertificate(
            cert_id="car-12", certificate=issued.certificate_pem, private_key=issued.private_key_pem
        )
    )
    await fake_bus.request(
        ImportCertificate(cert_id="fleet-ca", kind="ca", certificate=authority.pem)
    )
    await _use(fake_bus, "car-12", user="mqtt")
    assert not (folder / "car-12.pem").exists()  # mqtt asks accounts; it reads no files

    await _use(fake_bus, "car-12")
    await _use(fake_bus, "fleet-ca")
    written = x509.load_pem_x509_certificate((folder / "car-12.pem").read_bytes())
    assert written == issued.certificate
    key = serialization.load_pem_private_key((folder / "car-12.key").read_bytes(), None)
    assert key.public_key() == issued.certificate.public_key()
    assert (_mode(folder / "car-12.key"), _mode(folder / "car-12.pem")) == (0o600, 0o644)
    assert (folder / "fleet-ca.pem").read_text() == authority.pem
    assert not (folder / "fleet-ca.key").exists()
    with pytest.raises(Conflict, match="in use by ieee8021x, mqtt"):
        await fake_bus.request(DeleteCertificate(cert_id="car-12"))

    await _use(fake_bus, "car-12", is_used=False)
    await _use(fake_bus, "fleet-ca", is_used=False)
    assert sorted(p.name for p in folder.iterdir()) == []
    assert (await fake_bus.request(GetCertificate(cert_id="car-12"))).used_by == ["mqtt"]


async def test_the_files_follow_a_renewal_the_cas_answer_installed(
    fake_bus: FakeBus, deps: Deps
) -> None:
    folder = deps.certificate_dir
    assert folder is not None
    await fake_bus.request(CreateSelfSignedCertificate(cert_id="car-7", common_name="car-7"))
    await _use(fake_bus, "car-7")
    first = (folder / "car-7.pem").read_text()
    key = (folder / "car-7.key").read_text()
    request = await fake_bus.request(CreateSigningRequest(cert_id="car-7"))
    csr = x509.load_pem_x509_csr(request.csr_pem.encode())
    signed = CertificateAuthority("Fleet CA").sign(csr.public_key(), csr.subject)
    answer = signed.public_bytes(serialization.Encoding.PEM).decode()
    await fake_bus.request(ImportCertificate(cert_id="car-7", certificate=answer))
    assert (folder / "car-7.pem").read_text() == answer != first
    assert (folder / "car-7.key").read_text() == key


async def test_an_unknown_certificate_is_refused_and_an_unwritable_folder_marks_nothing(
    fake_bus: FakeBus, deps: Deps, tmp_path: Path
) -> None:
    with pytest.raises(NotFound, match="there is no certificate 'gone'"):
        await _use(fake_bus, "gone")
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    object.__setattr__(deps, "certificate_dir", blocked / "certificates")
    with pytest.raises(Unavailable, match="cannot be written"):
        await _use(fake_bus, "isrg-root-x1")
    assert (await fake_bus.request(GetCertificate(cert_id="isrg-root-x1"))).used_by == []


async def test_a_wpa2_enterprise_wlan_has_the_files_too_and_keeps_them_while_8021x_lets_go(
    fake_bus: FakeBus, deps: Deps
) -> None:
    folder = deps.certificate_dir
    assert folder is not None
    authority = CertificateAuthority("Fleet CA")
    await fake_bus.request(
        ImportCertificate(cert_id="fleet-ca", kind="ca", certificate=authority.pem)
    )
    await _use(fake_bus, "fleet-ca")
    await _use(fake_bus, "fleet-ca", user="wlan")

    await _use(fake_bus, "fleet-ca", is_used=False)

    assert (folder / "fleet-ca.pem").read_text() == authority.pem
    await _use(fake_bus, "fleet-ca", is_used=False, user="wlan")
    assert not (folder / "fleet-ca.pem").exists()
