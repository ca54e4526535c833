import base64
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from actkit_accounts.handlers import Deps
from actkit_core.testing.certificates import CertificateAuthority
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Conflict, Forbidden, Invalid, NotFound, Unavailable
from actkit_proto.accounts import (
    CreateSelfSignedCertificate,
    CreateSigningRequest,
    DeleteCertificate,
    GetCertificate,
    GetClientIdentity,
    GetWebServerIdentity,
    ImportCertificate,
    ListCertificates,
    SetCertificateUse,
    SetWebCertificate,
    WebCertificateChanged,
)
from actkit_proto.base import Actor, Role


def pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def public_der(key: object) -> bytes:
    return key.public_bytes(  # type: ignore[attr-defined,no-any-return]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


async def test_first_start_makes_the_web_certificate_and_installs_ca_certificates(
    fake_bus: FakeBus, deps: Deps
) -> None:
    listing = await fake_bus.request(ListCertificates())
    [web] = [c for c in listing.certificates if c.kind == "client-server"]
    assert (web.cert_id, web.used_by, web.is_self_signed, web.has_private_key) == (
        "web-https",
        ["https"],
        True,
        True,
    )
    assert {"localhost", "127.0.0.1"} <= set(web.subject_alt_names)
    authorities = (await fake_bus.request(ListCertificates(kind="ca"))).certificates
    assert "isrg-root-x1" in {c.cert_id for c in authorities}
    assert all(c.is_preinstalled and not c.has_private_key for c in authorities)


async def test_the_web_service_gets_its_key_but_no_person_does(
    fake_bus: FakeBus, deps: Deps
) -> None:
    identity = await fake_bus.request(GetWebServerIdentity())
    key = serialization.load_pem_private_key(identity.private_key_pem.encode(), password=None)
    [certificate] = x509.load_pem_x509_certificates(identity.certificate_chain_pem.encode())
    assert public_der(key.public_key()) == public_der(certificate.public_key())
    with pytest.raises(Forbidden, match="for services only"):
        await fake_bus.request(
            GetWebServerIdentity(actor=Actor(name="root", role=Role.ADMINISTRATOR))
        )
    info = await fake_bus.request(GetCertificate(cert_id="web-https"))
    assert "PRIVATE" not in info.model_dump_json()


async def test_the_mqtt_client_gets_a_certificates_key_only_while_it_uses_it(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(CreateSelfSignedCertificate(cert_id="kit", common_name="kit"))
    asked = GetClientIdentity(cert_id="kit", user="mqtt")
    with pytest.raises(Conflict, match="'kit' is not in use by mqtt"):
        await fake_bus.request(asked)
    await fake_bus.request(SetCertificateUse(cert_id="kit", user="mqtt", is_used=True))
    identity = await fake_bus.request(asked)
    key = serialization.load_pem_private_key(identity.private_key_pem.encode(), password=None)
    [certificate] = x509.load_pem_x509_certificates(identity.certificate_chain_pem.encode())
    assert public_der(key.public_key()) == public_der(certificate.public_key())
    with pytest.raises(Forbidden, match="for services only"):
        await fake_bus.request(
            GetClientIdentity(
                cert_id="kit", user="mqtt", actor=Actor(name="root", role=Role.ADMINISTRATOR)
            )
        )
    await fake_bus.request(SetCertificateUse(cert_id="isrg-root-x1", user="mqtt", is_used=True))
    with pytest.raises(Invalid, match="no private key for 'isrg-root-x1'"):
        await fake_bus.request(GetClientIdentity(cert_id="isrg-root-x1", user="mqtt"))
    with pytest.raises(Conflict, match="in use by mqtt"):
        await fake_bus.request(DeleteCertificate(cert_id="kit"))


@pytest.mark.parametrize(
    ("key_type", "key_class", "size"),
    [
        ("rsa-2048", rsa.RSAPublicKey, 2048),
        ("ecdsa-p256", ec.EllipticCurvePublicKey, 256),
        ("ecdsa-p384", ec.EllipticCurvePublicKey, 384),
    ],
)
async def test_self_signed_certificates_of_each_key_type(
    fake_bus: FakeBus, deps: Deps, key_type: str, key_class: type, size: int
) -> None:
    info = await fake_bus.request(
        CreateSelfSignedCertificate(
            cert_id="mine",
            common_name="camera.example",
            organization="Example",
            country="SE",
            subject_alt_names=["camera.example", "192.0.2.10"],
            key_type=key_type,  # type: ignore[arg-type]
            valid_days=30,
        )
    )
    assert info.key_type == key_type
    certificate = x509.load_pem_x509_certificate(info.certificate_pem.encode())
    assert isinstance(certificate.public_key(), key_class)
    assert certificate.public_key().key_size == size  # type: ignore[union-attr]
    certificate.verify_directly_issued_by(certificate)
    assert info.subject_name == "CN=camera.example,O=Example,C=SE"
    assert info.subject_alt_names == ["camera.example", "192.0.2.10"]
    assert info.not_after - info.not_before == timedelta(days=30, minutes=5)


async def test_a_csr_answered_by_a_ca_replaces_the_self_signed_certificate_and_keeps_the_key(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(
        CreateSelfSignedCertificate(
            cert_id="server", common_name="box.example", subject_alt_names=["box.example"]
        )
    )
    request = await fake_bus.request(CreateSigningRequest(cert_id="server"))
    csr = x509.load_pem_x509_csr(request.csr_pem.encode())
    assert csr.is_signature_valid
    assert csr.subject.rfc4514_string() == "CN=box.example"
    names = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["box.example"]
    signed = CertificateAuthority("Test CA").sign(csr.public_key(), csr.subject)
    info = await fake_bus.request(ImportCertificate(cert_id="server", certificate=pem(signed)))
    assert (info.issuer_name, info.has_private_key, info.is_self_signed) == (
        "OU=Test CA,O=actkit tests",
        True,
        False,
    )


async def test_import_pem_with_a_pkcs1_key_and_with_an_encrypted_pkcs8_key(
    fake_bus: FakeBus, deps: Deps
) -> None:
    ca = CertificateAuthority()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = ca.sign(key.public_key())
    pkcs1 = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    assert "BEGIN RSA PRIVATE KEY" in pkcs1
    info = await fake_bus.request(
        ImportCertificate(cert_id="pkcs1", certificate=pem(certificate) + ca.pem, private_key=pkcs1)
    )
    assert info.has_private_key
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    ).decode()
    with pytest.raises(Invalid, match="give its passphrase"):
        await fake_bus.request(
            ImportCertificate(cert_id="p8", certificate=pem(certificate), private_key=encrypted)
        )
    info = await fake_bus.request(
        ImportCertificate(
            cert_id="p8", certificate=pem(certificate), private_key=encrypted, passphrase="secret"
        )
    )
    assert info.fingerprint_sha256 == certificate.fingerprint(hashes.SHA256()).hex(":")


async def test_a_key_that_is_not_the_certificates_is_refused(fake_bus: FakeBus, deps: Deps) -> None:
    ca = CertificateAuthority()
    certificate = ca.issue("device.example").certificate
    other_pem = ca.issue("other.example").private_key_pem
    with pytest.raises(Invalid, match="does not belong to the certificate"):
        await fake_bus.request(
            ImportCertificate(cert_id="x", certificate=pem(certificate), private_key=other_pem)
        )
    with pytest.raises(Invalid, match="needs its private key"):
        await fake_bus.request(ImportCertificate(cert_id="x", certificate=pem(certificate)))


async def test_pfx_import_round_trips(fake_bus: FakeBus, deps: Deps) -> None:
    ca = CertificateAuthority()
    key = ec.generate_private_key(ec.SECP384R1())
    certificate = ca.sign(key.public_key())
    pfx = pkcs12.serialize_key_and_certificates(
        b"device",
        key,
        certificate,
        [ca.certificate],
        serialization.BestAvailableEncryption(b"pfx-pass"),
    )
    encoded = base64.b64encode(pfx).decode()
    with pytest.raises(Invalid, match="wrong passphrase"):
        await fake_bus.request(ImportCertificate(cert_id="pfx", pkcs12=encoded, passphrase="no"))
    info = await fake_bus.request(
        ImportCertificate(cert_id="pfx", pkcs12=encoded, passphrase="pfx-pass")
    )
    assert info.fingerprint_sha256 == certificate.fingerprint(hashes.SHA256()).hex(":")
    assert (info.key_type, info.has_private_key) == ("ecdsa-p384", True)
    await fake_bus.request(SetWebCertificate(cert_id="pfx"))
    identity = await fake_bus.request(GetWebServerIdentity())
    chain = x509.load_pem_x509_certificates(identity.certificate_chain_pem.encode())
    assert chain == [certificate, ca.certificate]


async def test_a_ca_certificate_imports_from_der(fake_bus: FakeBus, deps: Deps) -> None:
    ca = CertificateAuthority("Test CA")
    der = base64.b64encode(ca.certificate.public_bytes(serialization.Encoding.DER)).decode()
    info = await fake_bus.request(ImportCertificate(cert_id="my-ca", kind="ca", certificate=der))
    assert (info.kind, info.subject_name, info.has_private_key) == (
        "ca",
        "OU=Test CA,O=actkit tests",
        False,
    )
    with pytest.raises(Invalid, match="cannot be read"):
        await fake_bus.request(ImportCertificate(cert_id="bad", kind="ca", certificate="bm9wZQ=="))
    with pytest.raises(Conflict, match="already exists"):
        await fake_bus.request(
            ImportCertificate(cert_id="web-https", kind="ca", certificate=ca.pem)
        )
    assert (await fake_bus.request(GetCertificate(cert_id="web-https"))).has_private_key


async def test_a_certificate_in_use_cannot_be_deleted(fake_bus: FakeBus, deps: Deps) -> None:
    with pytest.raises(Conflict, match="in use by https"):
        await fake_bus.request(DeleteCertificate(cert_id="web-https"))
    await fake_bus.request(
        CreateSelfSignedCertificate(cert_id="next", common_name="n", key_type="ecdsa-p256")
    )
    await fake_bus.request(SetWebCertificate(cert_id="next"))
    assert fake_bus.published == [WebCertificateChanged(cert_id="next")]
    await fake_bus.request(DeleteCertificate(cert_id="web-https"))
    await fake_bus.request(
        SetCertificateUse(cert_id="isrg-root-x1", user="ieee8021x", is_used=True)
    )
    with pytest.raises(Conflict, match="ieee8021x"):
        await fake_bus.request(DeleteCertificate(cert_id="isrg-root-x1"))
    await fake_bus.request(
        SetCertificateUse(cert_id="isrg-root-x1", user="ieee8021x", is_used=False)
    )
    await fake_bus.request(DeleteCertificate(cert_id="isrg-root-x1"))
    with pytest.raises(NotFound):
        await fake_bus.request(GetCertificate(cert_id="isrg-root-x1"))


async def test_https_goes_back_to_the_devices_own_certificate_made_again_if_gone(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(CreateSelfSignedCertificate(cert_id="next", common_name="n"))
    await fake_bus.request(SetWebCertificate(cert_id="next"))
    own = await fake_bus.request(SetWebCertificate())
    assert (own.cert_id, own.used_by) == ("web-https", ["https"])
    assert (await fake_bus.request(GetCertificate(cert_id="next"))).used_by == []

    await fake_bus.request(SetWebCertificate(cert_id="next"))
    await fake_bus.request(DeleteCertificate(cert_id="web-https"))
    made = await fake_bus.request(SetWebCertificate())
    assert (made.cert_id, made.used_by, made.is_self_signed) == ("web-https", ["https"], True)
    assert fake_bus.published[-1] == WebCertificateChanged(cert_id="web-https")


async def test_names_are_unique_and_only_the_software_keystore_exists(
    fake_bus: FakeBus, deps: Deps
) -> None:
    with pytest.raises(Conflict, match="already exists"):
        await fake_bus.request(CreateSelfSignedCertificate(cert_id="web-https", common_name="x"))
    with pytest.raises(Unavailable, match="no tpm keystore"):
        await fake_bus.request(
            CreateSelfSignedCertificate(cert_id="t", common_name="x", keystore="tpm")
        )
    with pytest.raises(Invalid, match="neither a host name nor an IP"):
        await fake_bus.request(
            CreateSelfSignedCertificate(cert_id="t", common_name="x", subject_alt_names=["a b"])
        )
    with pytest.raises(Invalid, match="no private key on the device"):
        await fake_bus.request(SetWebCertificate(cert_id="isrg-root-x1"))
