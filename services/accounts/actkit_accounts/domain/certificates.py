"""X.509 with `cryptography`: keys, self-signed certificates, CSRs, imports, descriptions."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from actkit_proto import Invalid
from actkit_proto.accounts import CertificateInfo, CertificateKind, Keystore, KeyType

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = PublicKeyTypes
_PEM_CERTIFICATE = re.compile(
    rb"-----BEGIN CERTIFICATE-----\s.+?-----END CERTIFICATE-----", re.DOTALL
)


@dataclass(frozen=True)
class StoredCertificate:
    """A certificate as kept by the service: PEM texts, the key only if it has one."""

    cert_id: str
    kind: CertificateKind
    certificate_pem: str
    chain_pem: str = ""
    """Intermediate certificates that came with it (PFX), in PEM."""
    private_key_pem: str | None = None
    """PKCS#8 PEM; never sent out of the service but to the web for its own TLS."""
    keystore: Keystore = "software"
    is_preinstalled: bool = False
    used_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class DistinguishedName:
    """The subject of a certificate people fill in."""

    common_name: str
    organization: str = ""
    organizational_unit: str = ""
    locality: str = ""
    state: str = ""
    country: str = ""

    def to_name(self) -> x509.Name:
        parts = [
            (NameOID.COUNTRY_NAME, self.country),
            (NameOID.STATE_OR_PROVINCE_NAME, self.state),
            (NameOID.LOCALITY_NAME, self.locality),
            (NameOID.ORGANIZATION_NAME, self.organization),
            (NameOID.ORGANIZATIONAL_UNIT_NAME, self.organizational_unit),
            (NameOID.COMMON_NAME, self.common_name),
        ]
        try:
            return x509.Name([x509.NameAttribute(oid, value) for oid, value in parts if value])
        except ValueError as exc:
            raise Invalid(f"the certificate subject is not valid: {exc}") from None


def generate_key(key_type: KeyType) -> PrivateKey:
    """A new private key of the chosen type (slow for RSA 4096: run it in a thread)."""
    if key_type == "rsa-2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if key_type == "rsa-4096":
        return rsa.generate_private_key(public_exponent=65537, key_size=4096)
    if key_type == "ecdsa-p256":
        return ec.generate_private_key(ec.SECP256R1())
    return ec.generate_private_key(ec.SECP384R1())


def self_signed(
    key: PrivateKey,
    subject: DistinguishedName,
    alt_names: list[str],
    now: datetime,
    valid_days: int,
) -> x509.Certificate:
    """A self-signed server/client certificate for ``key``."""
    name = subject.to_name()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if alt_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(general_names(alt_names)), critical=False
        )
    return builder.sign(key, hashes.SHA256())


def signing_request(
    key: PrivateKey, certificate: x509.Certificate
) -> x509.CertificateSigningRequest:
    """A CSR asking a CA for the same subject and names as ``certificate``, signed by its key."""
    builder = x509.CertificateSigningRequestBuilder().subject_name(certificate.subject)
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        pass
    else:
        builder = builder.add_extension(names.value, critical=False)
    return builder.sign(key, hashes.SHA256())


def general_names(alt_names: list[str]) -> list[x509.GeneralName]:
    """DNS names and IP addresses for a subjectAltName."""
    names: list[x509.GeneralName] = []
    for text in alt_names:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(text)))
        except ValueError:
            if not re.fullmatch(r"(\*\.)?[A-Za-z0-9]([A-Za-z0-9\-.]{0,251}[A-Za-z0-9])?", text):
                raise Invalid(f"{text!r} is neither a host name nor an IP address") from None
            names.append(x509.DNSName(text))
    return names


def pem(item: x509.Certificate | x509.CertificateSigningRequest) -> str:
    """A certificate or a CSR in PEM."""
    return item.public_bytes(serialization.Encoding.PEM).decode()


def key_pem(key: PrivateKey) -> str:
    """The key as unencrypted PKCS#8 PEM (how the service keeps it)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def load_certificates(text: str) -> list[x509.Certificate]:
    """Certificates from PEM text (one or more) or base64 DER (.CER); Invalid otherwise."""
    data = text.strip().encode()
    try:
        if b"-----BEGIN" in data:
            blocks = _PEM_CERTIFICATE.findall(data)
            if not blocks:
                raise Invalid("the text holds no PEM certificate (BEGIN CERTIFICATE)")
            return [x509.load_pem_x509_certificate(block) for block in blocks]
        return [x509.load_der_x509_certificate(base64.b64decode(data, validate=True))]
    except (ValueError, binascii.Error) as exc:
        raise Invalid(f"the certificate cannot be read as PEM or DER: {exc}") from None


def load_private_key(text: str, passphrase: str | None) -> PrivateKey:
    """A private key from PEM (PKCS#1 or PKCS#8, encrypted with ``passphrase`` or not)."""
    secret = passphrase.encode() if passphrase else None
    try:
        key = serialization.load_pem_private_key(text.strip().encode(), password=secret)
    except TypeError:
        raise Invalid("the private key is encrypted: give its passphrase") from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise Invalid(f"the private key cannot be read (PKCS#1 or PKCS#8 PEM): {exc}") from None
    return _supported(key)


def load_pkcs12(
    data_base64: str, passphrase: str | None
) -> tuple[PrivateKey | None, x509.Certificate, list[x509.Certificate]]:
    """Key, certificate and chain from a PFX (PKCS#12) file given in base64."""
    try:
        data = base64.b64decode(data_base64, validate=True)
    except binascii.Error:
        raise Invalid("the PFX file must be sent in base64") from None
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(
            data, passphrase.encode() if passphrase else None
        )
    except ValueError:
        raise Invalid("the PFX file cannot be read: wrong passphrase or not PKCS#12") from None
    if certificate is None:
        raise Invalid("the PFX file holds no certificate")
    return (_supported(key) if key is not None else None), certificate, list(chain)


def check_key_matches(key: PrivateKey, certificate: x509.Certificate) -> None:
    """Refuse a private key that is not the certificate's."""
    if key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        raise Invalid("the private key does not belong to the certificate")


def is_signed_by(certificate: x509.Certificate, public_key: object) -> bool:
    """Whether ``certificate``'s signature verifies with the issuer's ``public_key``."""
    algorithm = certificate.signature_hash_algorithm
    data, signature = certificate.tbs_certificate_bytes, certificate.signature
    try:
        if isinstance(public_key, rsa.RSAPublicKey) and algorithm is not None:
            public_key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(public_key, ec.EllipticCurvePublicKey) and algorithm is not None:
            public_key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(public_key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            public_key.verify(signature, data)
        else:
            return False
    except InvalidSignature:
        return False
    return True


def load_public_key(text: str) -> PublicKey:
    """A public key from PEM: a ``PUBLIC KEY`` block or a certificate holding one."""
    data = text.strip().encode()
    try:
        if b"BEGIN CERTIFICATE" in data:
            return x509.load_pem_x509_certificate(data).public_key()
        return serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise Invalid(f"the signing key cannot be read as a PEM public key: {exc}") from None


def describe(stored: StoredCertificate) -> CertificateInfo:
    """The certificate information the web shows."""
    certificate = x509.load_pem_x509_certificate(stored.certificate_pem.encode())
    try:
        alt = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        alt_names = [str(name.value) for name in alt]
    except x509.ExtensionNotFound:
        alt_names = []
    return CertificateInfo(
        cert_id=stored.cert_id,
        kind=stored.kind,
        subject_name=certificate.subject.rfc4514_string(),
        issuer_name=certificate.issuer.rfc4514_string(),
        serial_number=f"{certificate.serial_number:x}",
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        key_type=key_description(certificate.public_key()),
        signature_algorithm=certificate.signature_algorithm_oid._name,
        fingerprint_sha256=certificate.fingerprint(hashes.SHA256()).hex(":"),
        subject_alt_names=alt_names,
        is_self_signed=certificate.subject == certificate.issuer,
        has_private_key=stored.private_key_pem is not None,
        keystore=stored.keystore if stored.private_key_pem is not None else None,
        is_preinstalled=stored.is_preinstalled,
        used_by=list(stored.used_by),
        certificate_pem=stored.certificate_pem,
    )


def key_description(public_key: object) -> str:
    """``rsa-2048``, ``ecdsa-p256`` ... for the key types the device makes, else the family."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"rsa-{public_key.key_size}"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return {"secp256r1": "ecdsa-p256", "secp384r1": "ecdsa-p384"}.get(
            public_key.curve.name, f"ecdsa-{public_key.curve.name}"
        )
    return type(public_key).__name__.removeprefix("_").lower()


def _supported(key: object) -> PrivateKey:
    if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        return key
    raise Invalid("only RSA and ECDSA private keys are supported")
