"""Custom software: updates signed by the custom signed OS certificate's key or one it certified.

A key it certified may sign through at most a few certificates between (the bundle's chain).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID

from actkit_proto import Forbidden, Invalid


def custom_signing_key(
    certificate_pem: str, device_serial: str, now: datetime, chain: Sequence[str] = ()
) -> str:
    """The public key (PEM) a custom signed OS certificate lets sign this device's software now.

    Without ``chain``, the certificate's own key. With it (the signer's certificate first, the
    one the OS certificate issued last), the signer's key, when each certificate is valid now and
    issued by the next, and every issuer is a CA.

    Raises:
        Forbidden: a certificate is outside its validity, the OS certificate names another
            device (an unknown serial number of this device matches none), or the chain does
            not lead to it.
        Invalid: a certificate of the chain is not PEM.
    """
    certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
    _check_validity(certificate, now, "the custom signed OS certificate")
    named = [
        str(a.value) for a in certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    ]
    if not device_serial or [serial.upper() for serial in named] != [device_serial.upper()]:
        raise Forbidden(
            f"the custom signed OS certificate is for device {', '.join(named) or '(none)'}, "
            f"not this one ({device_serial or 'serial number unknown'})"
        )
    if not chain:
        return _public_key(certificate)
    issued = [_read(pem, position) for position, pem in enumerate(chain)]
    for subject, issuer in zip(issued, [*issued[1:], certificate], strict=True):
        _check_validity(subject, now, f"the signer chain's {_name(subject)}")
        _check_issued_by(subject, issuer)
    return _public_key(issued[0])


def _read(pem: str, position: int) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        raise Invalid(f"signer_chain[{position}]: not a PEM certificate") from None


def _name(certificate: x509.Certificate) -> str:
    return certificate.subject.rfc4514_string() or "(no subject)"


def _check_validity(certificate: x509.Certificate, now: datetime, what: str) -> None:
    start, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    if not start <= now <= end:
        raise Forbidden(
            f"{what} is valid from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC, not now; "
            "custom software is not installed"
        )


def _check_issued_by(subject: x509.Certificate, issuer: x509.Certificate) -> None:
    try:
        is_ca = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if not is_ca:
        raise Forbidden(
            f"{_name(issuer)} is not a CA certificate, so it certifies no signing key; "
            "custom software is not installed"
        )
    try:
        subject.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        raise Forbidden(
            f"the signer chain's {_name(subject)} is not issued by {_name(issuer)}; "
            "custom software is not installed"
        ) from None


def _public_key(certificate: x509.Certificate) -> str:
    return (
        certificate.public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
