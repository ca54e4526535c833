"""Custom software: an update signed by the key of the installed custom signed OS certificate."""

from __future__ import annotations

from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID

from actkit_proto import Forbidden


def custom_signing_key(certificate_pem: str, device_serial: str, now: datetime) -> str:
    """The public key (PEM) a custom signed OS certificate lets sign this device's software now.

    Raises:
        Forbidden: the certificate is outside its validity, or names another device; an unknown
            serial number of this device matches none.
    """
    certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
    start, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    if not start <= now <= end:
        raise Forbidden(
            f"the custom signed OS certificate is valid from {start:%Y-%m-%d %H:%M} to "
            f"{end:%Y-%m-%d %H:%M} UTC, not now; custom software is not installed"
        )
    named = [
        str(a.value) for a in certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    ]
    if not device_serial or [serial.upper() for serial in named] != [device_serial.upper()]:
        raise Forbidden(
            f"the custom signed OS certificate is for device {', '.join(named) or '(none)'}, "
            f"not this one ({device_serial or 'serial number unknown'})"
        )
    return (
        certificate.public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
