"""Throwaway certificates for tests: a CA (trustme), the certificates it issues, PEM files, TLS."""

from __future__ import annotations

import datetime
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPrivateKeyTypes,
    CertificatePublicKeyTypes,
    PrivateKeyTypes,
)

KeyType = Literal["ecdsa-p256", "rsa-2048"]
"""The key types trustme makes, named as the accounts service names them."""

_TRUSTME_KEY_TYPES = {"ecdsa-p256": trustme.KeyType.ECDSA, "rsa-2048": trustme.KeyType.RSA}


@dataclass(frozen=True)
class IssuedCertificate:
    """A server or client certificate the test CA issued, with its private key."""

    certificate_pem: str
    private_key_pem: str

    @property
    def certificate(self) -> x509.Certificate:
        """The certificate, parsed."""
        return x509.load_pem_x509_certificate(self.certificate_pem.encode())

    @property
    def private_key(self) -> PrivateKeyTypes:
        """The private key, parsed: to write it in another format, or to bundle it."""
        return serialization.load_pem_private_key(self.private_key_pem.encode(), password=None)

    def write(self, folder: Path, name: str) -> tuple[Path, Path]:
        """Write ``<name>.pem`` (certificate) and ``<name>.key`` into ``folder``; their paths."""
        certificate_file, key_file = folder / f"{name}.pem", folder / f"{name}.key"
        certificate_file.write_text(self.certificate_pem)
        key_file.write_text(self.private_key_pem)
        return certificate_file, key_file

    def server_context(self) -> ssl.SSLContext:
        """A TLS server context presenting this certificate."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        chain = trustme.Blob((self.private_key_pem + self.certificate_pem).encode())
        with chain.tempfile() as path:  # ssl reads a certificate chain from a file only
            context.load_cert_chain(path)
        return context


class CertificateAuthority:
    """A CA made for one test (trustme's), and the certificates tests need from it.

    >>> ca = CertificateAuthority("Test CA")
    >>> ca.certificate.subject.rfc4514_string()
    'OU=Test CA,O=actkit tests'
    >>> ca.issue("localhost").certificate.issuer == ca.certificate.subject
    True
    """

    def __init__(self, name: str | None = None) -> None:
        """Make a new CA, named ``OU=<name>,O=actkit tests`` (trustme picks a name without one)."""
        self._ca = trustme.CA(organization_name="actkit tests", organization_unit_name=name)

    @property
    def pem(self) -> str:
        """The CA's certificate: what the device under test is told to trust."""
        return self._ca.cert_pem.bytes().decode()

    @property
    def certificate(self) -> x509.Certificate:
        """The CA's certificate, parsed."""
        return x509.load_pem_x509_certificate(self._ca.cert_pem.bytes())

    def issue(
        self,
        *identities: str,
        common_name: str | None = None,
        key_type: KeyType = "ecdsa-p256",
    ) -> IssuedCertificate:
        """A certificate for servers and clients, valid for ``identities`` (names, addresses)."""
        leaf = self._ca.issue_cert(
            *identities, common_name=common_name, key_type=_TRUSTME_KEY_TYPES[key_type]
        )
        key = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), password=None)
        pkcs8 = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return IssuedCertificate(leaf.cert_chain_pems[0].bytes().decode(), pkcs8.decode())

    def sign(
        self,
        public_key: CertificatePublicKeyTypes,
        subject: x509.Name | None = None,
        *,
        not_before: datetime.datetime | None = None,
        not_after: datetime.datetime | None = None,
    ) -> x509.Certificate:
        """A certificate for a key made elsewhere, as a CA answers a signing request.

        Args:
            public_key: the key to certify (a CSR's, or one a test made in a format trustme
                does not make).
            subject: the certificate's subject; empty without one.
            not_before: the start of its validity; a day ago without one.
            not_after: the end of its validity; in thirty days without one.
        """
        now = datetime.datetime.now(datetime.UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(subject or x509.Name([]))
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or now - datetime.timedelta(days=1))
            .not_valid_after(not_after or now + datetime.timedelta(days=30))
            .sign(self._private_key(), hashes.SHA256())
        )

    def write(self, folder: Path, name: str = "ca") -> Path:
        """Write the CA's certificate to ``<folder>/<name>.pem``; its path."""
        path = folder / f"{name}.pem"
        path.write_text(self.pem)
        return path

    def server_context(self, *identities: str) -> ssl.SSLContext:
        """A TLS server context presenting a new certificate (``localhost``, ``127.0.0.1``)."""
        return self.issue(*(identities or ("localhost", "127.0.0.1"))).server_context()

    def _private_key(self) -> CertificateIssuerPrivateKeyTypes:
        key = serialization.load_pem_private_key(self._ca.private_key_pem.bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey)
        return key
