import datetime
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from actkit_core.testing.certificates import CertificateAuthority

A_DAY = datetime.timedelta(days=1)


def test_an_issued_certificate_is_signed_by_the_ca_for_its_names_with_its_key() -> None:
    ca = CertificateAuthority("Test CA")
    issued = ca.issue("kit.example", "127.0.0.1", common_name="kit", key_type="rsa-2048")

    issued.certificate.verify_directly_issued_by(ca.certificate)
    names = issued.certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert names.value.get_values_for_type(x509.DNSName) == ["kit.example"]
    assert issued.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "kit"
    assert "BEGIN PRIVATE KEY" in issued.private_key_pem
    key = issued.private_key
    assert isinstance(key, rsa.RSAPrivateKey)
    assert key.public_key() == issued.certificate.public_key()
    assert isinstance(ca.issue("localhost").private_key, ec.EllipticCurvePrivateKey)


def test_the_ca_and_a_certificate_are_written_as_pem_files(tmp_path: Path) -> None:
    ca = CertificateAuthority()
    issued = ca.issue("localhost")

    assert ca.write(tmp_path).read_text() == ca.pem
    assert ca.write(tmp_path, "other").name == "other.pem"
    certificate_file, key_file = issued.write(tmp_path, "server")
    assert (certificate_file.name, key_file.name) == ("server.pem", "server.key")
    assert certificate_file.read_text() == issued.certificate_pem
    assert key_file.read_text() == issued.private_key_pem


def test_a_key_made_elsewhere_is_signed_as_a_ca_answers_a_request() -> None:
    ca = CertificateAuthority("Test CA")
    key = ec.generate_private_key(ec.SECP384R1())
    start = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "box.example")])

    signed = ca.sign(key.public_key(), subject, not_before=start, not_after=start + A_DAY)
    plain = ca.sign(key.public_key())

    signed.verify_directly_issued_by(ca.certificate)
    assert signed.subject == subject
    assert (signed.not_valid_before_utc, signed.not_valid_after_utc) == (start, start + A_DAY)
    assert plain.subject == x509.Name([])
    assert (
        plain.not_valid_before_utc < datetime.datetime.now(datetime.UTC) < plain.not_valid_after_utc
    )


def test_a_server_context_is_trusted_by_a_client_that_trusts_the_ca() -> None:
    ca = CertificateAuthority()
    for server, name in (
        (ca.server_context(), "localhost"),
        (ca.server_context("a.test"), "a.test"),
    ):
        _handshake(server, ssl.create_default_context(cadata=ca.pem), name)


def _handshake(server_context: ssl.SSLContext, client_context: ssl.SSLContext, name: str) -> None:
    to_server, to_client = ssl.MemoryBIO(), ssl.MemoryBIO()
    client = client_context.wrap_bio(to_client, to_server, server_hostname=name)
    server = server_context.wrap_bio(to_server, to_client, server_side=True)
    for _ in range(10):
        done = [_step(client), _step(server)]
        if all(done):
            return
    raise AssertionError("the handshake did not finish")


def _step(side: ssl.SSLObject) -> bool:
    try:
        side.do_handshake()
    except ssl.SSLWantReadError:
        return False
    return True
