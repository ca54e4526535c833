"""The files of certificates a system program reads (NetworkManager for 802.1X), kept in step.

accounts owns the keys, so accounts writes them: ``<id>.pem`` (the certificate and its chain,
0644) and, when the device holds its key, ``<id>.key`` (0600, the owner only) in the certificate
directory, written when a use that needs files starts, written again when the certificate is
renewed (the CA's answer installed), removed when the last such use ends.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from actkit_accounts.domain.certificates import StoredCertificate
from actkit_proto import Unavailable

FILE_USERS = frozenset({"ieee8021x", "wlan", "o3c"})
"""The uses whose program reads the certificate from a file rather than asking accounts: 802.1X
on the wire and a WPA2-Enterprise WLAN (NetworkManager) and the cloud connection (nats-server's
link to HQ)."""
PUBLIC_MODE = 0o644
KEY_MODE = 0o600


def needs_files(stored: StoredCertificate) -> bool:
    """Whether a use of ``stored`` reads it from files."""
    return bool(FILE_USERS & set(stored.used_by))


async def keep_files(folder: Path | None, stored: StoredCertificate) -> None:
    """Write ``stored``'s files while a use needs them, else remove them."""
    if folder is None:
        return
    try:
        if needs_files(stored):
            await asyncio.to_thread(_write, folder, stored)
        else:
            await asyncio.to_thread(_remove, folder, stored.cert_id)
    except OSError as exc:
        raise Unavailable(
            f"the files of certificate {stored.cert_id!r} cannot be written in {folder}: "
            f"{exc.strerror}"
        ) from None


def _write(folder: Path, stored: StoredCertificate) -> None:
    folder.mkdir(mode=0o755, parents=True, exist_ok=True)
    _replace(
        folder / f"{stored.cert_id}.pem", stored.certificate_pem + stored.chain_pem, PUBLIC_MODE
    )
    if stored.private_key_pem is not None:
        _replace(folder / f"{stored.cert_id}.key", stored.private_key_pem, KEY_MODE)
    else:
        (folder / f"{stored.cert_id}.key").unlink(missing_ok=True)


def _replace(path: Path, text: str, mode: int) -> None:
    """Write ``path`` whole or not at all, never readable beyond ``mode`` even for a moment."""
    partial = path.with_name(f".{path.name}.new")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.chmod(partial, mode)  # the umask may have taken bits away; never adds any beyond mode
    os.replace(partial, path)


def _remove(folder: Path, cert_id: str) -> None:
    for suffix in (".pem", ".key"):
        (folder / f"{cert_id}{suffix}").unlink(missing_ok=True)
