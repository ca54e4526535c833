"""The accounts service's certificate store as web meets it, answering from memory."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from actkit_proto.accounts import (
    CertificateInfo,
    CertificateList,
    CreateSelfSignedCertificate,
    CreateSigningRequest,
    DeleteCertificate,
    DeleteOsCertificate,
    GetCertificate,
    GetOsCertificate,
    ImportCertificate,
    InstallOsCertificate,
    ListCertificates,
    OsCertificate,
    SigningRequest,
)
from actkit_proto.base import Ack
from actkit_proto.errors import Conflict, Invalid, NotFound

CSR_PEM = "-----BEGIN CERTIFICATE REQUEST-----\nTUlJQg==\n-----END CERTIFICATE REQUEST-----\n"


def certificate(cert_id: str, kind: str = "client-server", **changes: Any) -> CertificateInfo:
    """A certificate as accounts describes one (never with its key)."""
    now = datetime(2026, 5, 4, tzinfo=UTC)
    described = {
        "cert_id": cert_id,
        "kind": kind,
        "subject_name": f"CN={cert_id}",
        "issuer_name": f"CN={cert_id}",
        "serial_number": "01",
        "not_before": now,
        "not_after": now + timedelta(days=365),
        "key_type": "ecdsa-p256",
        "signature_algorithm": "ecdsa-with-SHA256",
        "fingerprint_sha256": "00" * 32,
        "subject_alt_names": [],
        "is_self_signed": True,
        "has_private_key": kind == "client-server",
        "keystore": "software" if kind == "client-server" else None,
        "is_preinstalled": kind == "ca",
        "used_by": [],
        "certificate_pem": "-----BEGIN CERTIFICATE-----\nTUlJQg==\n-----END CERTIFICATE-----\n",
    }
    return CertificateInfo.model_validate({**described, **changes})


@dataclass
class FakeCertificates:
    """The store: the web's own certificate (used by HTTPS), one pre-installed CA."""

    stored: dict[str, CertificateInfo] = field(
        default_factory=lambda: {
            "web-https": certificate("web-https", used_by=["https"]),
            "isrg-root-x1": certificate("isrg-root-x1", "ca"),
        }
    )
    imported: list[ImportCertificate] = field(default_factory=list)
    os_certificate: OsCertificate | None = field(
        default_factory=lambda: OsCertificate(
            subject_name="CN=custom software,serialNumber=ACCC8E012345",
            issuer_name="CN=OS signing",
            device_serial="ACCC8E012345",
            not_before=datetime(2026, 5, 4, tzinfo=UTC),
            not_after=datetime(2027, 5, 4, tzinfo=UTC),
            fingerprint_sha256="00" * 32,
        )
    )

    def methods(self) -> dict[type[Any], Callable[[Any], Awaitable[Any]]]:
        return {
            ListCertificates: self.list_certificates,
            GetCertificate: self.get_certificate,
            CreateSelfSignedCertificate: self.create_self_signed,
            CreateSigningRequest: self.create_signing_request,
            ImportCertificate: self.import_certificate,
            DeleteCertificate: self.delete_certificate,
            GetOsCertificate: self.get_os_certificate,
            InstallOsCertificate: self.install_os_certificate,
            DeleteOsCertificate: self.delete_os_certificate,
        }

    async def get_os_certificate(self, _command: GetOsCertificate) -> OsCertificate:
        if self.os_certificate is None:
            raise NotFound("no custom signed OS certificate is installed")
        return self.os_certificate

    async def install_os_certificate(self, command: InstallOsCertificate) -> OsCertificate:
        if "BEGIN CERTIFICATE" not in command.certificate:
            raise Invalid("the certificate is not signed by the configured OS signing key")
        self.os_certificate = OsCertificate(
            subject_name="CN=new",
            issuer_name="CN=OS signing",
            device_serial="ACCC8E012345",
            not_before=datetime(2026, 5, 4, tzinfo=UTC),
            not_after=datetime(2027, 5, 4, tzinfo=UTC),
            fingerprint_sha256="11" * 32,
            certificate_pem=command.certificate,
        )
        return self.os_certificate

    async def delete_os_certificate(self, _command: DeleteOsCertificate) -> Ack:
        await self.get_os_certificate(GetOsCertificate())
        self.os_certificate = None
        return Ack()

    async def list_certificates(self, command: ListCertificates) -> CertificateList:
        return CertificateList(
            certificates=[c for c in self.stored.values() if command.kind in (None, c.kind)]
        )

    async def get_certificate(self, command: GetCertificate) -> CertificateInfo:
        return self._existing(command.cert_id)

    async def create_self_signed(self, command: CreateSelfSignedCertificate) -> CertificateInfo:
        self._free(command.cert_id)
        made = certificate(command.cert_id, subject_name=f"CN={command.common_name}")
        self.stored[command.cert_id] = made
        return made

    async def create_signing_request(self, command: CreateSigningRequest) -> SigningRequest:
        self._existing(command.cert_id)
        return SigningRequest(cert_id=command.cert_id, csr_pem=CSR_PEM)

    async def import_certificate(self, command: ImportCertificate) -> CertificateInfo:
        self.imported.append(command)
        made = certificate(command.cert_id, command.kind, is_preinstalled=False)
        self.stored[command.cert_id] = made
        return made

    async def delete_certificate(self, command: DeleteCertificate) -> Ack:
        existing = self._existing(command.cert_id)
        if existing.used_by:
            raise Conflict(f"{command.cert_id!r} is in use by {', '.join(existing.used_by)}")
        del self.stored[command.cert_id]
        return Ack()

    def _existing(self, cert_id: str) -> CertificateInfo:
        if cert_id not in self.stored:
            raise NotFound(f"there is no certificate {cert_id!r}")
        return self.stored[cert_id]

    def _free(self, cert_id: str) -> None:
        if cert_id in self.stored:
            raise Conflict(f"a certificate named {cert_id!r} already exists")
