"""Email with POP authentication (POP before SMTP) against a real Dovecot and an SMTP server."""

import asyncio
import shutil
from types import SimpleNamespace

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_events.handlers import Deps
from actkit_proto import Invalid
from actkit_proto.events import (
    CreateRecipient,
    CreateRule,
    EmailRecipient,
    Encryption,
    GetRecipient,
    NotifyAction,
    RuleSpec,
    SendTestNotification,
    TamperCondition,
)
from actkit_proto.io import Circuit, PortTampered

pytestmark = pytest.mark.skipif(shutil.which("dovecot") is None, reason="needs dovecot-pop3d")


def pop_email(smtp_port: int, pop_port: int, **extra: object) -> EmailRecipient:
    return EmailRecipient(
        name="Ops",
        to=["ops@example.com"],
        sender="kit@example.com",
        host="127.0.0.1",
        port=smtp_port,
        username="kit",
        password="pop-s3cret",
        pop_host="localhost",
        pop_port=pop_port,
        **extra,
    )


async def test_pop_login_comes_first_and_a_refused_one_sends_nothing(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace
) -> None:
    with peers.pop_server() as pop:
        async with peers.smtp_server() as (smtp_port, mailbox):
            spec = pop_email(smtp_port, pop.pop3_port)
            sent = await fake_bus.request(SendTestNotification(recipient=spec))
            wrong = spec.model_copy(update={"password": "wrong"})
            refused = await fake_bus.request(SendTestNotification(recipient=wrong))
        log = pop.log
    assert sent.is_ok, sent.answer
    assert sent.answer.startswith(f"POP server localhost:{pop.pop3_port}: +OK Logged in.; ")
    assert "Message accepted for delivery" in sent.answer
    assert "Login: user=<kit>, method=PLAIN" in log
    assert not refused.is_ok
    assert refused.answer == (
        f"POP server localhost:{pop.pop3_port} refused the login, so nothing was sent: "
        "-ERR [AUTH] Authentication failed."
    )
    assert len(mailbox.envelopes) == 1


async def test_pop_over_ssl_and_stls_validates_the_certificate_unless_told_not_to(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace
) -> None:
    with peers.pop_server() as pop:
        async with peers.smtp_server() as (smtp_port, mailbox):
            ssl_spec = pop_email(smtp_port, pop.pop3s_port, pop_encryption=Encryption.SSL)
            checked = await fake_bus.request(SendTestNotification(recipient=ssl_spec))
            unchecked = await fake_bus.request(
                SendTestNotification(
                    recipient=ssl_spec.model_copy(update={"validate_certificate": False})
                )
            )
            stls = pop_email(
                smtp_port, pop.pop3_port, pop_encryption=Encryption.TLS, validate_certificate=False
            )
            upgraded = await fake_bus.request(SendTestNotification(recipient=stls))
        log = pop.log
    assert not checked.is_ok
    assert checked.answer.startswith(f"POP server localhost:{pop.pop3s_port}: ")
    assert "certificate verify failed" in checked.answer
    assert unchecked.is_ok, unchecked.answer
    assert upgraded.is_ok, upgraded.answer
    assert log.count("Login: user=<kit>, method=PLAIN") == 2 and "TLS" in log
    assert len(mailbox.envelopes) == 2


async def test_a_rule_sends_through_pop_with_the_stored_write_only_password(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace
) -> None:
    with peers.pop_server() as pop:
        async with peers.smtp_server() as (smtp_port, mailbox):
            created = await fake_bus.request(
                CreateRecipient(recipient=pop_email(smtp_port, pop.pop3_port))
            )
            shown = await fake_bus.request(GetRecipient(recipient_id=created.recipient_id))
            await fake_bus.request(
                CreateRule(
                    rule=RuleSpec(
                        name="Door",
                        conditions=[TamperCondition(port_id=2)],
                        action=NotifyAction(
                            recipient_id=created.recipient_id, subject="{rule_name} alarm"
                        ),
                    )
                )
            )
            await fake_bus.publish(PortTampered(port_id=2, is_tampered=True, circuit=Circuit.CUT))
            await asyncio.wait_for(asyncio.gather(*deps.tasks), 10)
        log = pop.log
    assert shown.has_password and "pop-s3cret" not in shown.model_dump_json()
    assert isinstance(shown.recipient, EmailRecipient) and shown.recipient.pop_host == "localhost"
    [envelope] = mailbox.envelopes
    assert isinstance(envelope.content, bytes) and b"Subject: Door alarm" in envelope.content
    assert "Login: user=<kit>" in log


async def test_pop_authentication_without_a_username_is_refused_naming_it(
    deps: Deps, fake_bus: FakeBus
) -> None:
    with pytest.raises(Invalid, match="POP authentication logs in with the username"):
        await fake_bus.request(
            CreateRecipient.from_wire(
                CreateRecipient.subject,
                b'{"recipient": {"type": "email", "name": "n", "to": ["a@b"], "sender": "a@b",'
                b' "host": "h", "pop_host": "pop.example.com"}}',
            )
        )
