"""accounts' certificate store as the services that use it see it, for their tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from actkit_core.bus import Handlers
from actkit_proto.accounts import (
    CertificateInfo,
    ClientIdentity,
    GetCertificate,
    GetClientIdentity,
    SetCertificateUse,
)
from actkit_proto.errors import Conflict, NotFound


@dataclass
class CertificateStore:
    """Certificates by id and who uses each; serve :meth:`handlers` as the accounts service."""

    certificates: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Id -> (certificate PEM, private key PEM or ``""``)."""
    used_by: dict[str, set[str]] = field(default_factory=dict)

    def handlers(self) -> Handlers[None]:
        """What the store answers: marks, certificates, a client certificate's key."""
        return {
            SetCertificateUse: self.set_use,
            GetCertificate: self.get,
            GetClientIdentity: self.identity,
        }

    def _get(self, cert_id: str) -> tuple[str, str]:
        if cert_id not in self.certificates:
            raise NotFound(f"there is no certificate {cert_id!r}")
        return self.certificates[cert_id]

    def info(self, cert_id: str) -> CertificateInfo:
        """What accounts tells of ``cert_id``."""
        pem, key = self._get(cert_id)
        certificate = x509.load_pem_x509_certificate(pem.encode())
        return CertificateInfo(
            cert_id=cert_id,
            kind="client-server" if key else "ca",
            subject_name=certificate.subject.rfc4514_string(),
            issuer_name=certificate.issuer.rfc4514_string(),
            serial_number=f"{certificate.serial_number:x}",
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
            key_type="ecdsa-p256",
            signature_algorithm="ecdsa-with-SHA256",
            fingerprint_sha256=certificate.fingerprint(hashes.SHA256()).hex(),
            subject_alt_names=[],
            is_self_signed=certificate.subject == certificate.issuer,
            has_private_key=bool(key),
            keystore="software" if key else None,
            is_preinstalled=False,
            used_by=sorted(self.used_by.get(cert_id, ())),
            certificate_pem=pem,
        )

    async def set_use(self, command: SetCertificateUse, _deps: None) -> CertificateInfo:
        """Mark or unmark a use; an unknown id is not found."""
        self._get(command.cert_id)
        users = self.used_by.setdefault(command.cert_id, set())
        (users.add if command.is_used else users.discard)(command.user)
        return self.info(command.cert_id)

    async def get(self, command: GetCertificate, _deps: None) -> CertificateInfo:
        """One certificate's information, its PEM included."""
        return self.info(command.cert_id)

    async def identity(self, command: GetClientIdentity, _deps: None) -> ClientIdentity:
        """A client certificate with its key, only while ``command.user`` uses it."""
        pem, key = self._get(command.cert_id)
        if command.user not in self.used_by.get(command.cert_id, ()):
            raise Conflict(f"{command.cert_id!r} is not in use by {command.user}")
        return ClientIdentity(
            cert_id=command.cert_id, certificate_chain_pem=pem, private_key_pem=key
        )
