"""Notification delivery: email, HTTP(S), TCP, FTP, SFTP, network storage and SIP calls.

Email is in ``mail.py``, SFTP in ``sftp.py``, network storage (SMB) in ``smb.py``, SIP calls in
``sip.py``. Each ``send`` returns what the peer answered (shown by "Test") or raises
``DeliveryFailed`` with a sentence saying what went wrong. VMS calls are refused clearly.
"""

from __future__ import annotations

import asyncio
import ftplib
import io
import itertools
import ssl
import time

from actkit_events.adapters.mail import send_email
from actkit_events.adapters.sftp import send_sftp
from actkit_events.adapters.sip import call
from actkit_events.ports import Delivered, DeliveryFailed, NotSupported
from actkit_proto.events import (
    EmailRecipient,
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


class ClientNotifier:
    """Sends with the device's own clients (aiosmtplib, poplib, httpx, ftplib, asyncssh ...)."""

    def not_supported_reason(self, spec: RecipientSpec) -> str | None:
        """Why this recipient type cannot be used here, or ``None`` when it can."""
        if isinstance(spec, SipRecipient) and spec.type == "vms":
            return (
                "VMS calls are not supported on this device: call a SIP address (a VMS's SIP "
                "intercom or a PBX), or send a VMS's generic event with a TCP or HTTP recipient"
            )
        return None

    async def send(self, spec: RecipientSpec, subject: str, message: str) -> Delivered:
        """Deliver one notification; returns the peer's answer.

        Raises:
            DeliveryFailed: the delivery did not happen; the message says why.
        """
        reason = self.not_supported_reason(spec)
        if reason:
            raise NotSupported(reason)
        try:
            if isinstance(spec, EmailRecipient):
                return Delivered(await send_email(spec, subject, message, TIMEOUT_S))
            if isinstance(spec, HttpRecipient):
                return Delivered(await _send_http(spec, subject, message))
            if isinstance(spec, TcpRecipient):
                return Delivered(await _send_tcp(spec, message))
            if isinstance(spec, FtpRecipient):
                answer = await asyncio.to_thread(_send_ftp, spec, _file_name(subject), message)
                return Delivered(answer)
            if isinstance(spec, NetworkStorageRecipient):
                name = _file_name(subject)
                answer = await asyncio.to_thread(_send_smb, spec, name, message, TIMEOUT_S)
                return Delivered(answer)
            if isinstance(spec, SipRecipient):
                return Delivered(await call(spec, TIMEOUT_S))
            if isinstance(spec, SftpRecipient):
                return await send_sftp(spec, _file_name(subject), message, TIMEOUT_S)
        except DeliveryFailed:
            raise
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            raise DeliveryFailed(f"{_where(spec)}: {exc or type(exc).__name__}") from exc
        except ftplib.Error as exc:
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


def _send_smb(spec: NetworkStorageRecipient, name: str, message: str, timeout_s: float) -> str:
    # smbprotocol and its SPNEGO stack take 0.1 s to import: loaded at the first delivery to a
    # share, in the worker thread, not at every start of the service (and every power-on).
    from actkit_events.adapters.smb import send_smb

    return send_smb(spec, name, message, timeout_s)
