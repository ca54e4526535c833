"""Recipients tested against real local servers: SMTP, HTTP, HTTPS, TCP, FTP and SFTP."""

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest

from actkit_core.testing.certificates import CertificateAuthority
from actkit_core.testing.fake_bus import FakeBus
from actkit_events.handlers import Deps
from actkit_proto import Conflict, Invalid
from actkit_proto.events import (
    MAX_RECIPIENTS,
    CreateRecipient,
    CreateRule,
    DeleteRecipient,
    EmailRecipient,
    Encryption,
    FtpRecipient,
    GetRecipient,
    HttpRecipient,
    InputCondition,
    ListRecipients,
    NotifyAction,
    QueryEventLog,
    RuleSpec,
    SendTestNotification,
    SftpRecipient,
    SipRecipient,
    TamperCondition,
    TcpRecipient,
    UpdateRecipient,
)
from actkit_proto.io import Circuit, PortTampered


def email(port: int, **extra: object) -> EmailRecipient:
    return EmailRecipient(
        name="Ops",
        to=["ops@example.com", "duty@example.com"],
        sender="kit@example.com",
        host="localhost",
        port=port,
        **extra,  # type: ignore[arg-type]
    )


async def test_email_test_returns_the_smtp_servers_answer(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace
) -> None:
    async with peers.smtp_server() as (port, mailbox):
        result = await fake_bus.request(SendTestNotification(recipient=email(port)))
    assert result.is_ok, result.answer
    assert "Message accepted for delivery" in result.answer
    [envelope] = mailbox.envelopes
    assert envelope.rcpt_tos == ["ops@example.com", "duty@example.com"]


async def test_email_over_ssl_validates_the_certificate_unless_told_not_to(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace
) -> None:
    async with peers.smtp_server(tls=CertificateAuthority().server_context()) as (port, mailbox):
        checked = await fake_bus.request(
            SendTestNotification(recipient=email(port, encryption=Encryption.SSL))
        )
        unchecked = await fake_bus.request(
            SendTestNotification(
                recipient=email(port, encryption=Encryption.SSL, validate_certificate=False)
            )
        )
    assert not checked.is_ok and "certificate" in checked.answer.lower()
    assert unchecked.is_ok, unchecked.answer
    assert len(mailbox.envelopes) == 1


async def test_email_with_starttls_authenticates_with_the_stored_password(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace
) -> None:
    tls = CertificateAuthority().server_context()
    async with peers.smtp_server(tls=tls, require_starttls=True) as (port, mailbox):
        spec = email(
            port,
            encryption=Encryption.TLS,
            validate_certificate=False,
            username="kit",
            password="secret",
        )
        recipient = await fake_bus.request(CreateRecipient(recipient=spec))
        stored = await fake_bus.request(SendTestNotification(recipient_id=recipient.recipient_id))
        plain = await fake_bus.request(
            SendTestNotification(recipient=spec.model_copy(update={"encryption": Encryption.NONE}))
        )
    assert stored.is_ok, stored.answer
    assert not plain.is_ok and "STARTTLS" in plain.answer, plain.answer
    assert len(mailbox.envelopes) == 1


async def test_tamper_rule_sends_an_email_with_the_templates_filled_in(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace
) -> None:
    async with peers.smtp_server() as (port, mailbox):
        recipient = await fake_bus.request(CreateRecipient(recipient=email(port)))
        await fake_bus.request(
            CreateRule(
                rule=RuleSpec(
                    name="Tamper",
                    conditions=[TamperCondition(port_id=3)],
                    action=NotifyAction(
                        recipient_id=recipient.recipient_id,
                        subject="{rule_name} alarm",
                        message="Rule {rule_id}: {condition}",
                    ),
                )
            )
        )
        await fake_bus.publish(PortTampered(port_id=3, is_tampered=True, circuit=Circuit.CUT))
        await asyncio.wait_for(asyncio.gather(*deps.tasks), 10)
    [envelope] = mailbox.envelopes
    assert isinstance(envelope.content, bytes)
    text = envelope.content.decode()
    assert "Subject: Tamper alarm" in text and "supervised input 3 is tampered with" in text
    log = await fake_bus.request(QueryEventLog(rule_id=1))
    assert "sent to Ops: " in log.entries[-1].text


async def test_http_and_https_post_with_auth_and_certificate_validation(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace
) -> None:
    with peers.http_server() as (url, posted):
        plain = await fake_bus.request(
            SendTestNotification(
                recipient=HttpRecipient(name="h", url=url, username="u", password="p")
            )
        )
    assert plain.answer == "HTTP 200 OK"
    assert posted.authorizations == ["Basic dTpw"]
    assert "subject=actkit+test+notification" in posted.bodies[0]
    with peers.http_server(tls=CertificateAuthority().server_context()) as (url, posted):
        https = HttpRecipient(type="https", name="s", url=url)
        refused = await fake_bus.request(SendTestNotification(recipient=https))
        accepted = await fake_bus.request(
            SendTestNotification(recipient=https.model_copy(update={"validate_certificate": False}))
        )
    assert not refused.is_ok and "certificate" in refused.answer.lower()
    assert accepted.is_ok and accepted.answer == "HTTP 200 OK"


async def test_http_goes_through_the_proxy_when_one_is_set(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace
) -> None:
    with peers.http_server() as (url, posted):
        proxy = url.removesuffix("/notify")
        spec = HttpRecipient(
            name="h", url="http://notify.example.invalid/cgi-bin/notify.cgi", proxy=proxy
        )
        result = await fake_bus.request(SendTestNotification(recipient=spec))
    assert result.is_ok, result.answer
    assert posted.paths == ["http://notify.example.invalid/cgi-bin/notify.cgi"]


async def test_an_http_error_status_fails_the_test_with_the_status(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace
) -> None:
    with peers.http_server(status=403) as (url, _posted):
        result = await fake_bus.request(
            SendTestNotification(recipient=HttpRecipient(name="h", url=url))
        )
    assert not result.is_ok and "HTTP 403 Forbidden" in result.answer


async def test_tcp_sends_the_message_and_reports_the_answer(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace
) -> None:
    received: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append(await reader.read())
        writer.write(b"ACK\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        result = await fake_bus.request(
            SendTestNotification(recipient=TcpRecipient(name="t", host="127.0.0.1", port=port))
        )
    assert result.is_ok and result.answer.endswith("it answered 'ACK'")
    assert received == [b"This is a test notification from the activation kit.\n"]


async def test_tcp_to_a_closed_port_fails_clearly(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace
) -> None:
    server = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    result = await fake_bus.request(
        SendTestNotification(recipient=TcpRecipient(name="t", host="127.0.0.1", port=port))
    )
    assert not result.is_ok and f"tcp 127.0.0.1:{port}" in result.answer


async def test_ftp_passive_upload_with_a_temporary_name_then_rename(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace, tmp_path: Path
) -> None:
    (tmp_path / "events").mkdir()
    with peers.ftp_server(tmp_path) as port:
        result = await fake_bus.request(
            SendTestNotification(
                recipient=FtpRecipient(
                    name="f",
                    host="127.0.0.1",
                    port=port,
                    folder="events",
                    username="cam",
                    password="secret",
                )
            )
        )
    assert result.is_ok, result.answer
    assert result.answer.startswith("250 ")
    [stored] = list((tmp_path / "events").iterdir())
    assert stored.name.startswith("actkit_test_notification_") and stored.suffix == ".txt"
    assert stored.read_text() == "This is a test notification from the activation kit."


async def test_ftp_to_a_missing_folder_fails_with_the_servers_answer(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace, tmp_path: Path
) -> None:
    with peers.ftp_server(tmp_path) as port:
        result = await fake_bus.request(
            SendTestNotification(
                recipient=FtpRecipient(
                    name="f",
                    host="127.0.0.1",
                    port=port,
                    folder="nope",
                    username="cam",
                    password="secret",
                )
            )
        )
    assert not result.is_ok and "550" in result.answer


async def test_sftp_checks_the_host_key_before_sending(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace, tmp_path: Path
) -> None:
    async with peers.sftp_server(tmp_path) as (port, key):
        right = SftpRecipient(
            name="s",
            host="127.0.0.1",
            port=port,
            username="cam",
            password="secret",
            host_key_sha256=key.get_fingerprint("sha256").removeprefix("SHA256:"),
        )
        good = await fake_bus.request(SendTestNotification(recipient=right))
        wrong_md5 = "00:" * 15 + "00"
        bad = await fake_bus.request(
            SendTestNotification(
                recipient=right.model_copy(
                    update={"host_key_sha256": None, "host_key_md5": wrong_md5}
                )
            )
        )
        md5 = key.get_fingerprint("md5").removeprefix("MD5:")
        also_good = await fake_bus.request(
            SendTestNotification(
                recipient=right.model_copy(update={"host_key_sha256": None, "host_key_md5": md5})
            )
        )
    assert good.is_ok and f"SHA256:{right.host_key_sha256} checked" in good.answer, good.answer
    assert also_good.is_ok, also_good.answer
    assert not bad.is_ok and f"expects MD5:{wrong_md5}: nothing was sent" in bad.answer
    assert len(list(tmp_path.glob("*.txt"))) == 2
    assert not list(tmp_path.glob(".*.part"))


async def test_the_21st_recipient_is_refused_and_passwords_are_write_only(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace
) -> None:
    spec = email(587, username="kit", password="hunter2")
    for _ in range(MAX_RECIPIENTS):
        created = await fake_bus.request(CreateRecipient(recipient=spec))
        assert created.has_password
        assert isinstance(created.recipient, EmailRecipient) and created.recipient.password is None
    with pytest.raises(Conflict, match="already has 20 recipients"):
        await fake_bus.request(CreateRecipient(recipient=spec))
    listed = await fake_bus.request(ListRecipients())
    assert "hunter2" not in listed.model_dump_json()
    shown = await fake_bus.request(GetRecipient(recipient_id=1))
    assert shown.has_password and "hunter2" not in shown.model_dump_json()
    renamed = await fake_bus.request(
        UpdateRecipient(
            recipient_id=1, recipient=spec.model_copy(update={"name": "New", "password": None})
        )
    )
    assert renamed.has_password
    stored = await deps.recipients.get(1)
    assert isinstance(stored, EmailRecipient) and stored.password == "hunter2"


async def test_unsupported_types_and_used_recipients_are_refused_clearly(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace
) -> None:
    with pytest.raises(Invalid, match="VMS calls are not supported on this device"):
        await fake_bus.request(
            SendTestNotification(
                recipient=SipRecipient(
                    type="vms", name="v", from_account="kit@pbx.example", to_address="x"
                )
            )
        )
    recipient = await fake_bus.request(CreateRecipient(recipient=email(25)))
    await fake_bus.request(
        CreateRule(
            rule=RuleSpec(
                name="n",
                conditions=[InputCondition(port_id=1)],
                action=NotifyAction(recipient_id=recipient.recipient_id),
            )
        )
    )
    with pytest.raises(Conflict, match="used by rule 1"):
        await fake_bus.request(DeleteRecipient(recipient_id=recipient.recipient_id))
