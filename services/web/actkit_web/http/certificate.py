"""The HTTPS identity: the one the accounts service keeps, or a local self-signed stand-in."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import logging
import socket
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from actkit_core.bus import Publisher
from actkit_proto.accounts import GetWebServerIdentity
from actkit_proto.errors import BusError, Unavailable

log = logging.getLogger(__name__)

VALIDITY = datetime.timedelta(days=3650)
CERTIFICATE_FILE = "web-certificate.pem"
KEY_FILE = "web-key.pem"
ACCOUNTS_POLL_S = 0.02
"""How often the accounts service is asked again while it starts. It answers a few tenths of a
second after the web asks first, and the web, the last service up, then serves at once: at 0.2 s,
a power-on waited up to that long after accounts answered (0.2 s in a sampled power-on)."""


async def fetch_identity(
    bus: Publisher, folder: Path, wait_s: float, timeout_s: float
) -> tuple[Path, Path]:
    """Write the accounts service's certificate chain and key for the TLS server to load.

    Waits up to ``wait_s`` for accounts (services start together); without it, the web serves a
    self-signed certificate of its own so that HTTPS never goes down.
    """
    deadline = time.monotonic() + wait_s
    while True:
        try:
            identity = await bus.request(GetWebServerIdentity(), timeout_s)
        except Unavailable as exc:
            if time.monotonic() < deadline:
                await asyncio.sleep(ACCOUNTS_POLL_S)
                continue
            log.warning("HTTPS uses a local self-signed certificate: %s", exc.message)
            return ensure_certificate(folder, "local-")
        except BusError as exc:
            log.warning("HTTPS uses a local self-signed certificate: %s", exc.message)
            return ensure_certificate(folder, "local-")
        return _write(
            folder, identity.certificate_chain_pem.encode(), identity.private_key_pem.encode()
        )


def _write(folder: Path, certificate: bytes, key: bytes, prefix: str = "") -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    certificate_path = folder / f"{prefix}{CERTIFICATE_FILE}"
    key_path = folder / f"{prefix}{KEY_FILE}"
    key_path.touch(mode=0o600)
    key_path.chmod(0o600)
    key_path.write_bytes(key)
    certificate_path.write_bytes(certificate)
    return certificate_path, key_path


def ensure_certificate(folder: Path, prefix: str = "") -> tuple[Path, Path]:
    """Self-signed (certificate, key) PEM files in ``folder``, made once when missing."""
    certificate_path = folder / f"{prefix}{CERTIFICATE_FILE}"
    key_path = folder / f"{prefix}{KEY_FILE}"
    if certificate_path.exists() and key_path.exists():
        return certificate_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    hostname = socket.gethostname()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName(hostname),
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    return _write(
        folder,
        certificate.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        prefix,
    )
