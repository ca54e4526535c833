"""Email delivery: SMTP (aiosmtplib), after a POP3 login when the recipient asks for one.

POP authentication ("POP before SMTP") is for mail servers that let a client send only after
it has read its mailbox: the login is made first, with the same account, and a refusal stops
the delivery with the POP server's own answer. The POP login then stands in for SMTP
authentication, which such servers do not offer: the mail is sent without one.
"""

from __future__ import annotations

import asyncio
import poplib
import ssl
from email.message import EmailMessage

from actkit_events.ports import DeliveryFailed
from actkit_proto.events import EmailRecipient, Encryption


async def send_email(spec: EmailRecipient, subject: str, message: str, timeout_s: float) -> str:
    """Send one email; the SMTP server's answer, after the POP server's when there is one."""
    # Imported at the first email, not with the service: 15 modules, 0.9 MB in the pages every
    # service shares, for a recipient few devices have.
    import aiosmtplib

    pop_answer = await asyncio.to_thread(_pop_login, spec, timeout_s) if spec.pop_host else ""
    smtp_login = "" if spec.pop_host else spec.username
    mail = EmailMessage()
    mail["From"] = spec.sender
    mail["To"] = ", ".join(spec.to)
    mail["Subject"] = subject
    mail.set_content(message)
    try:
        _errors, answer = await aiosmtplib.send(
            mail,
            hostname=spec.host,
            port=spec.port,
            username=smtp_login or None,
            password=spec.password if smtp_login else None,
            use_tls=spec.encryption is Encryption.SSL,
            start_tls=spec.encryption is Encryption.TLS,
            validate_certs=spec.validate_certificate,
            timeout=timeout_s,
        )
    except aiosmtplib.SMTPException as exc:
        raise DeliveryFailed(f"{spec.type} {spec.host}:{spec.port}: {exc}") from exc
    return f"{pop_answer}{answer}"


def _tls_context(spec: EmailRecipient) -> ssl.SSLContext:
    if spec.validate_certificate:
        return ssl.create_default_context()
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _pop_login(spec: EmailRecipient, timeout_s: float) -> str:
    """Log in to the POP server and out again; what it answered the password."""
    where = f"POP server {spec.pop_host}:{spec.pop_port}"
    try:
        pop = _pop_connect(spec, timeout_s)
        try:
            pop.user(spec.username)
            answer = pop.pass_(spec.password or "").decode(errors="replace")
            pop.quit()
        finally:
            pop.close()
    except poplib.error_proto as exc:
        said = exc.args[0].decode(errors="replace") if exc.args else str(exc)
        raise DeliveryFailed(f"{where} refused the login, so nothing was sent: {said}") from exc
    except OSError as exc:  # ssl.SSLError and timeouts too
        raise DeliveryFailed(f"{where}: {exc or type(exc).__name__}") from exc
    return f"{where}: {answer}; "


def _pop_connect(spec: EmailRecipient, timeout_s: float) -> poplib.POP3:
    host = spec.pop_host or ""
    if spec.pop_encryption is Encryption.SSL:
        return poplib.POP3_SSL(host, spec.pop_port, timeout=timeout_s, context=_tls_context(spec))
    pop = poplib.POP3(host, spec.pop_port, timeout=timeout_s)
    if spec.pop_encryption is Encryption.TLS:
        try:
            pop.stls(_tls_context(spec))
        except BaseException:
            pop.close()
            raise
    return pop
