"""Certificates and keys, the web server's identity and the custom signed OS certificate."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from actkit_proto.base import Ack, Command, Event, Reply, Role

CertificateId = Annotated[
    str,
    Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$", description="e.g. web-https"),
]
CertificateKind = Literal["client-server", "ca"]
KeyType = Literal["rsa-2048", "rsa-4096", "ecdsa-p256", "ecdsa-p384"]
Keystore = Literal["software", "tee", "secure-element", "tpm"]
"""Where a private key is kept; this device has the software keystore only."""
WEB_CERTIFICATE_USER = "https"
"""The ``used_by`` name of the web server's certificate."""


class CertificateInfo(Reply):
    """What the certificate information dialogue shows (never the private key)."""

    cert_id: str
    kind: CertificateKind
    subject_name: str
    """RFC 4514, e.g. ``CN=device.example,O=Example``."""
    issuer_name: str
    serial_number: str
    """Hexadecimal."""
    not_before: datetime
    not_after: datetime
    key_type: str
    signature_algorithm: str
    fingerprint_sha256: str
    subject_alt_names: list[str]
    is_self_signed: bool
    has_private_key: bool
    keystore: Keystore | None
    is_preinstalled: bool
    used_by: list[str]
    """Who uses it (``https``, ``ieee8021x`` ...); it cannot be deleted while in use."""
    certificate_pem: str


class CertificateList(Reply):
    """Certificates, by id."""

    certificates: list[CertificateInfo]


class ListCertificates(Command[CertificateList]):
    """List the client/server certificates, the CA certificates, or both."""

    subject: ClassVar[str] = "accounts.certificate.list"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    kind: CertificateKind | None = None


class GetCertificate(Command[CertificateInfo]):
    """One certificate's information."""

    subject: ClassVar[str] = "accounts.certificate.get"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    cert_id: CertificateId


class CreateSelfSignedCertificate(Command[CertificateInfo]):
    """Make a key and a self-signed client/server certificate on the device."""

    subject: ClassVar[str] = "accounts.certificate.create"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    cert_id: CertificateId
    common_name: str = Field(min_length=1, max_length=64)
    organization: str = Field(default="", max_length=64)
    organizational_unit: str = Field(default="", max_length=64)
    locality: str = Field(default="", max_length=128)
    state: str = Field(default="", max_length=128)
    country: str = Field(default="", pattern=r"^([A-Z]{2})?$", description="Two capital letters.")
    subject_alt_names: list[str] = Field(default_factory=list, max_length=20)
    """Host names and IP addresses the certificate is valid for."""
    key_type: KeyType = "rsa-2048"
    valid_days: int = Field(default=365, ge=1, le=36_500)
    keystore: Keystore = "software"


class SigningRequest(Reply):
    """A certificate signing request (PKCS#10) to send to a CA."""

    cert_id: str
    csr_pem: str


class CreateSigningRequest(Command[SigningRequest]):
    """A CSR for a certificate the device holds the key of (same subject and names)."""

    subject: ClassVar[str] = "accounts.certificate.csr"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    cert_id: CertificateId


class ImportCertificate(Command[CertificateInfo]):
    """Install a certificate: PEM or base64 DER (.CER) with an optional PEM key, or a PFX.

    A client/server certificate imported under the id of one whose key the device made (after
    a CSR) replaces it and keeps the key.
    """

    subject: ClassVar[str] = "accounts.certificate.import"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    cert_id: CertificateId
    kind: CertificateKind = "client-server"
    certificate: str | None = Field(default=None, max_length=200_000)
    """PEM (the first is the certificate, any others its chain) or base64 DER."""
    private_key: str | None = Field(default=None, max_length=20_000)
    """PEM, PKCS#1 (``BEGIN RSA PRIVATE KEY``) or PKCS#8, encrypted or not."""
    pkcs12: str | None = Field(default=None, max_length=200_000)
    """A PFX (PKCS#12) file in base64, instead of ``certificate`` and ``private_key``."""
    passphrase: str | None = Field(default=None, max_length=256)
    """Of the PFX or of an encrypted private key."""
    keystore: Keystore = "software"


class DeleteCertificate(Command[Ack]):
    """Delete a certificate; refused while something uses it (409 names who)."""

    subject: ClassVar[str] = "accounts.certificate.delete"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    cert_id: CertificateId


class SetCertificateUse(Command[CertificateInfo]):
    """Record that a service starts or stops using a certificate (e.g. ``ieee8021x``)."""

    subject: ClassVar[str] = "accounts.certificate.use"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    cert_id: CertificateId
    user: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_\-]+$")
    is_used: bool


class SetWebCertificate(Command[CertificateInfo]):
    """Choose the client/server certificate the web server presents for HTTPS.

    Without ``cert_id``: the device's own self-signed certificate (``web-https``, made again
    if it is gone), as after a restore of the HTTP settings.
    """

    subject: ClassVar[str] = "accounts.certificate.web.set"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    cert_id: CertificateId | None = None


class WebCertificateChanged(Event):
    """The web server's HTTPS certificate changed; the web asks for its identity again."""

    subject: ClassVar[str] = "accounts.certificate.web.changed"

    cert_id: str


class WebServerIdentity(Reply):
    """The web server's certificate chain and private key, in PEM."""

    cert_id: str
    certificate_chain_pem: str
    private_key_pem: str


class GetWebServerIdentity(Command[WebServerIdentity]):
    """Internal, for the web service only: its TLS certificate and key.

    The one case where a key leaves the accounts service; people never get it (administrator
    actors included: the web must not forward this for a person).
    """

    subject: ClassVar[str] = "accounts.certificate.web.identity"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR
    internal_for: ClassVar[tuple[str, ...]] = ("web",)


class ClientIdentity(Reply):
    """A client certificate's chain and private key, in PEM, for the service presenting it."""

    cert_id: str
    certificate_chain_pem: str
    private_key_pem: str


class GetClientIdentity(Command[ClientIdentity]):
    """Internal, for the MQTT client only: a store certificate it presents, with its key.

    Answered only for a certificate marked in use by ``user`` that has its key on the device;
    people never get it (administrator actors included).
    """

    subject: ClassVar[str] = "accounts.certificate.identity"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR
    internal_for: ClassVar[tuple[str, ...]] = ("mqtt",)

    cert_id: CertificateId
    user: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_\-]+$")


class OsCertificate(Reply):
    """The installed custom signed OS certificate: it lets this device run custom software."""

    subject_name: str
    issuer_name: str
    device_serial: str
    """The serial number the certificate is for (its subject's serialNumber)."""
    not_before: datetime
    not_after: datetime
    fingerprint_sha256: str
    certificate_pem: str = ""
    """The certificate itself (public): system trusts the software its key signs."""


class GetOsCertificate(Command[OsCertificate]):
    """The installed custom signed OS certificate (404 when none is installed).

    system asks it before an upgrade: an update signed by the certificate's key is installed
    while the certificate is valid and names this device's serial number.
    """

    subject: ClassVar[str] = "accounts.oscertificate.get"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class InstallOsCertificate(Command[OsCertificate]):
    """Install a custom signed OS certificate, verified against the configured signing key.

    It must be signed by that key, be valid now, and name this device's serial number.
    """

    subject: ClassVar[str] = "accounts.oscertificate.install"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    certificate: str = Field(max_length=50_000, description="PEM or base64 DER.")


class DeleteOsCertificate(Command[Ack]):
    """Delete the custom signed OS certificate."""

    subject: ClassVar[str] = "accounts.oscertificate.delete"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR
