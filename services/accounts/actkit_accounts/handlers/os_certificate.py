"""The custom signed OS certificate: installed only when the configured signing key signed it."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from actkit_accounts.domain import certificates as x509_tools
from actkit_accounts.handlers.deps import Deps
from actkit_accounts.store import OsCertificatePem
from actkit_proto import Ack, Invalid, NotFound, Unavailable
from actkit_proto.accounts import (
    DeleteOsCertificate,
    GetOsCertificate,
    InstallOsCertificate,
    OsCertificate,
)


async def get_os_certificate(_command: GetOsCertificate, deps: Deps) -> OsCertificate:
    stored = (await deps.store.sections.load(OsCertificatePem)).root
    if stored is None:
        raise NotFound("no custom signed OS certificate is installed")
    return _describe(x509.load_pem_x509_certificate(stored.encode()))


async def install_os_certificate(command: InstallOsCertificate, deps: Deps) -> OsCertificate:
    if deps.os_signing_key is None:
        raise Unavailable("no signing key is configured for custom signed OS certificates")
    certificate, *_ = x509_tools.load_certificates(command.certificate)
    if not x509_tools.is_signed_by(certificate, deps.os_signing_key):
        raise Invalid("the certificate is not signed by the configured OS signing key")
    now = deps.clock.now()
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise Invalid(
            f"the certificate is valid from {certificate.not_valid_before_utc:%Y-%m-%d} "
            f"to {certificate.not_valid_after_utc:%Y-%m-%d}, not now"
        )
    info = _describe(certificate)
    if not deps.device_serial:
        # Unknown, the check cannot be made: never a reason to let any device's certificate in.
        raise Unavailable(
            "this device's serial number is not configured; a custom signed OS certificate "
            "cannot be checked against it"
        )
    if info.device_serial.upper() != deps.device_serial.upper():
        raise Invalid(
            f"the certificate is for device {info.device_serial or '(none)'}, "
            f"not this one ({deps.device_serial})"
        )
    await deps.store.sections.save(OsCertificatePem(x509_tools.pem(certificate)))
    return info


async def delete_os_certificate(_command: DeleteOsCertificate, deps: Deps) -> Ack:
    if (await deps.store.sections.load(OsCertificatePem)).root is None:
        raise NotFound("no custom signed OS certificate is installed")
    await deps.store.sections.delete(OsCertificatePem)
    return Ack()


def _describe(certificate: x509.Certificate) -> OsCertificate:
    serials = certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    return OsCertificate(
        subject_name=certificate.subject.rfc4514_string(),
        issuer_name=certificate.issuer.rfc4514_string(),
        device_serial=str(serials[0].value) if serials else "",
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        fingerprint_sha256=certificate.fingerprint(hashes.SHA256()).hex(":"),
        certificate_pem=x509_tools.pem(certificate),
    )
