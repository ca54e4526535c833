"""Notification delivery to recipients: email, HTTP(S), TCP, FTP and SFTP.

Each ``send`` returns what the peer answered (shown by "Test") or raises ``DeliveryFailed``
with a sentence saying what went wrong. Network storage and SIP/VMS have no client on this
device and are refused clearly.

An SFTP server's host key is checked during the handshake, before the password is sent: against
the recipient's fingerprints when it has some, else accepted and told in :class:`Delivered` so
that the caller pins it (trust on first use).
"""

from __future__ import annotations

import asyncio
import ftplib
import io
import itertools
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from actkit_proto.events import (
    EmailRecipient,
    Encryption,
    FtpRecipient,
    HttpRecipient,
    NetworkStorageRecipient,
    RecipientSpec,
    SftpRecipient,
    SipRecipient,
    TcpRecipient,
)

TIMEOUT_S = 10.0
_sequence = itertools.count(1)


@dataclass(frozen=True)
class Delivered:
    """A delivery that happened: what the peer answered, and the host key an SFTP server showed."""

    answer: str
    host_key_sha256: str | None = None
    """The SFTP server's SHA-256 host key fingerprint (base64, no ``SHA256:``), once checked or
    accepted; ``None`` for the other types."""


class DeliveryFailed(Exception):
    """The peer refused or could not be reached; the message says which and why."""


class NotSupported(DeliveryFailed):
    """The recipient type has no client on this device."""


def not_supported_reason(spec: RecipientSpec) -> str | None:
    """Why this recipient type cannot be used here, or ``None`` when it can."""
    if isinstance(spec, NetworkStorageRecipient):
        return (
            "network storage (SMB/CIFS shares) is not supported on this device: it has no SMB "
            "client; use an FTP or SFTP recipient instead"
        )
    if isinstance(spec, SipRecipient):
        return f"{spec.type.upper()} calls are not supported on this device: it has no SIP stack"
    return None


async def send(spec: RecipientSpec, subject: str, message: str) -> Delivered:
    """Deliver one notification; returns the peer's answer.

    Raises:
        DeliveryFailed: the delivery did not happen; the message says why.
    """
    reason = not_supported_reason(spec)
    if reason:
        raise NotSupported(reason)
    try:
        if isinstance(spec, EmailRecipient):
            return Delivered(await _send_email(spec, subject, message))
        if isinstance(spec, HttpRecipient):
            return Delivered(await _send_http(spec, subject, message))
        if isinstance(spec, TcpRecipient):
            return Delivered(await _send_tcp(spec, message))
        if isinstance(spec, FtpRecipient):
            answer = await asyncio.to_thread(_send_ftp, spec, _file_name(subject), message)
            return Delivered(answer)
        if isinstance(spec, SftpRecipient):
            return await _send_sftp(spec, _file_name(subject), message)
    except DeliveryFailed:
        raise
    except (OSError, TimeoutError, ssl.SSLError) as exc:
        raise DeliveryFailed(f"{_where(spec)}: {exc or type(exc).__name__}") from exc
    except (aiosmtplib.SMTPException, ftplib.Error) as exc:
        raise DeliveryFailed(f"{_where(spec)}: {exc}") from exc
    raise AssertionError(spec)


def _where(spec: RecipientSpec) -> str:
    if isinstance(spec, HttpRecipient):
        return spec.url
    host = getattr(spec, "host", "?")
    port = getattr(spec, "port", "")
    return f"{spec.type} {host}:{port}"


def _file_name(subject: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in subject)[:64] or "event"
    stamp = time.strftime("%Y%m%d_%H%M%S", time.gmtime())
    return f"{safe}_{stamp}_{next(_sequence):04d}.txt"


async def _send_email(spec: EmailRecipient, subject: str, message: str) -> str:
    mail = EmailMessage()
    mail["From"] = spec.sender
    mail["To"] = ", ".join(spec.to)
    mail["Subject"] = subject
    mail.set_content(message)
    _errors, answer = await aiosmtplib.send(
        mail,
        hostname=spec.host,
        port=spec.port,
        username=spec.username or None,
        password=spec.password if spec.username else None,
        use_tls=spec.encryption is Encryption.SSL,
        start_tls=spec.encryption is Encryption.TLS,
        validate_certs=spec.validate_certificate,
        timeout=TIMEOUT_S,
    )
    return answer


async def _send_http(spec: HttpRecipient, subject: str, message: str) -> str:
    import httpx  # imported when used: with its command line (rich, pygments) ~0.15 s at start-up

    auth = (spec.username, spec.password or "") if spec.username else None
    try:
        async with httpx.AsyncClient(
            verify=spec.validate_certificate, proxy=spec.proxy, timeout=TIMEOUT_S, trust_env=False
        ) as client:
            response = await client.post(
                spec.url,
                data={"subject": subject, "message": message},
                auth=auth or httpx.USE_CLIENT_DEFAULT,
            )
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"{spec.url}: {exc}") from exc
    answer = f"HTTP {response.status_code} {response.reason_phrase}"
    if response.is_error:
        raise DeliveryFailed(f"{spec.url} answered {answer}")
    return answer


async def _send_tcp(spec: TcpRecipient, message: str) -> str:
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(spec.host, spec.port), TIMEOUT_S
    )
    try:
        data = message.encode() + b"\n"
        writer.write(data)
        await writer.drain()
        writer.write_eof()
        try:
            reply = await asyncio.wait_for(reader.read(1024), 1.0)
        except TimeoutError:
            reply = b""
    finally:
        writer.close()
    answer = f"sent {len(data)} bytes to {spec.host}:{spec.port}"
    text = reply.decode(errors="replace").strip()
    return f"{answer}; it answered {text!r}" if text else answer


def _send_ftp(spec: FtpRecipient, name: str, message: str) -> str:
    with ftplib.FTP(timeout=TIMEOUT_S) as ftp:
        ftp.connect(spec.host, spec.port)
        ftp.login(spec.username, spec.password or "")
        ftp.set_pasv(spec.is_passive)
        if spec.folder:
            ftp.cwd(spec.folder)
        upload = f".{name}.part" if spec.use_temporary_name else name
        answer = ftp.storbinary(f"STOR {upload}", io.BytesIO(message.encode()))
        if spec.use_temporary_name:
            answer = ftp.rename(upload, name)
        return f"{answer} ({name})"


def host_key_matches(spec: SftpRecipient, sha256: str, md5: str) -> bool:
    """Whether a host key with these fingerprints is the one the recipient expects.

    A recipient without fingerprints expects any key (its first connection pins one).

    >>> spec = SftpRecipient(name="s", host="h", username="u", host_key_sha256="A" * 43)
    >>> host_key_matches(spec, "A" * 43 + "=", "00:11"), host_key_matches(spec, "B" * 43, "")
    (True, False)
    """
    if spec.host_key_sha256 and spec.host_key_sha256.rstrip("=") != sha256.rstrip("="):
        return False
    expected_md5 = (spec.host_key_md5 or "").lower().replace(":", "")
    return not expected_md5 or expected_md5 == md5.lower().replace(":", "")


def host_key_refused(spec: SftpRecipient, sha256: str, md5: str) -> str:
    """Why a delivery stopped at the server's host key, naming both keys and the way out."""
    expected = " and ".join(
        f"{kind}:{value}"
        for kind, value in (("SHA256", spec.host_key_sha256), ("MD5", spec.host_key_md5))
        if value
    )
    shown = f"SHA256:{sha256}" if spec.host_key_sha256 else f"MD5:{md5} (SHA256:{sha256})"
    return (
        f"SFTP server {spec.host}:{spec.port} shows host key {shown}, but this recipient "
        f"expects {expected}: nothing was sent, not even the password. If the server's key "
        "was changed on purpose, clear the recipient's host key fingerprints (host_key_sha256, "
        "host_key_md5) and save: the next delivery or test pins the new key"
    )


async def _send_sftp(spec: SftpRecipient, name: str, message: str) -> Delivered:
    # Imported here: asyncssh (with its cryptography) costs the service ~0.25 s at every start,
    # and most devices never send to SFTP.
    import asyncssh

    shown: list[tuple[str, str]] = []

    class HostKeyCheck(asyncssh.SSHClient):
        """Checks the server's key in the handshake, before any password is sent."""

        def validate_host_public_key(
            self, _host: str, _addr: str, _port: int, key: asyncssh.SSHKey
        ) -> bool:
            sha256 = key.get_fingerprint("sha256").removeprefix("SHA256:")
            md5 = key.get_fingerprint("md5").removeprefix("MD5:")
            shown.append((sha256, md5))
            return host_key_matches(spec, sha256, md5)

    try:
        async with asyncssh.connect(
            spec.host,
            spec.port,
            username=spec.username,
            password=spec.password,
            client_factory=HostKeyCheck,
            # No key is trusted beforehand, so that every key goes through HostKeyCheck; all the
            # client's host key algorithms are offered, since none is known for the server.
            known_hosts=lambda _host, _addr, _port: ([], [], []),
            server_host_key_algs="default",
            client_keys=None,
            connect_timeout=TIMEOUT_S,
        ) as connection:
            folder = spec.folder.rstrip("/")
            final = f"{folder}/{name}" if folder else name
            upload = f"{folder}/.{name}.part" if folder else f".{name}.part"
            async with connection.start_sftp_client() as sftp:
                target = upload if spec.use_temporary_name else final
                async with sftp.open(target, "wb") as remote:
                    await remote.write(message.encode())
                if spec.use_temporary_name:
                    await sftp.rename(upload, final)
    except asyncssh.HostKeyNotVerifiable as exc:
        if not shown:
            raise DeliveryFailed(f"{_where(spec)}: {exc}") from exc
        raise DeliveryFailed(host_key_refused(spec, *shown[-1])) from exc
    except asyncssh.Error as exc:
        raise DeliveryFailed(f"{_where(spec)}: {exc}") from exc
    sha256, _md5 = shown[-1]
    checked = "checked" if spec.host_key_sha256 or spec.host_key_md5 else "seen for the first time"
    answer = f"uploaded {final} to {spec.host}:{spec.port} (host key SHA256:{sha256} {checked})"
    return Delivered(answer, host_key_sha256=sha256.rstrip("="))
