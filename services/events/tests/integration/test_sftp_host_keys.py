"""SFTP host keys: trusted on first use, pinned in the recipient, a different one refused."""

import asyncio
from pathlib import Path
from types import SimpleNamespace

import asyncssh

from actkit_core.testing.fake_bus import FakeBus
from actkit_events.handlers import Deps
from actkit_proto.events import (
    CreateRecipient,
    CreateRule,
    GetRecipient,
    NotifyAction,
    QueryEventLog,
    RuleSpec,
    SendTestNotification,
    SftpRecipient,
    TamperCondition,
    UpdateRecipient,
)
from actkit_proto.io import Circuit, PortTampered


def sha256_of(key: asyncssh.SSHKey) -> str:
    return key.get_fingerprint("sha256").removeprefix("SHA256:")


def unpinned(port: int) -> SftpRecipient:
    return SftpRecipient(
        name="Archive", host="127.0.0.1", port=port, username="cam", password="secret"
    )


async def test_the_first_test_pins_the_servers_key_and_the_recipient_shows_it(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace, tmp_path: Path
) -> None:
    async with peers.sftp_server(tmp_path) as (port, key):
        created = await fake_bus.request(CreateRecipient(recipient=unpinned(port)))
        result = await fake_bus.request(SendTestNotification(recipient_id=created.recipient_id))
        again = await fake_bus.request(SendTestNotification(recipient_id=created.recipient_id))
    assert result.is_ok, result.answer
    assert f"host key SHA256:{sha256_of(key)} seen for the first time" in result.answer
    assert "host key pinned" in result.answer
    shown = await fake_bus.request(GetRecipient(recipient_id=created.recipient_id))
    assert isinstance(shown.recipient, SftpRecipient)
    assert shown.recipient.host_key_sha256 == sha256_of(key)
    assert again.is_ok and f"SHA256:{sha256_of(key)} checked" in again.answer, again.answer
    assert "pinned" not in again.answer


async def test_a_rule_delivery_pins_the_key_and_a_different_key_later_is_refused_before_login(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace, tmp_path: Path
) -> None:
    async with peers.sftp_server(tmp_path) as (port, first_key):
        created = await fake_bus.request(CreateRecipient(recipient=unpinned(port)))
        rule = RuleSpec(
            name="Tamper",
            conditions=[TamperCondition(port_id=3)],
            action=NotifyAction(recipient_id=created.recipient_id),
        )
        await fake_bus.request(CreateRule(rule=rule))
        await fake_bus.publish(PortTampered(port_id=3, is_tampered=True, circuit=Circuit.CUT))
        await asyncio.wait_for(asyncio.gather(*deps.tasks), 10)
    assert len(list(tmp_path.glob("*.txt"))) == 1
    stored = await deps.recipients.get(created.recipient_id)
    assert isinstance(stored, SftpRecipient) and stored.host_key_sha256 == sha256_of(first_key)
    log = await fake_bus.request(QueryEventLog(rule_id=1))
    assert "host key pinned" in log.entries[-1].text

    tried: list[str] = []
    async with peers.sftp_server(tmp_path, port=port, tried=tried) as (_, second_key):
        refused = await fake_bus.request(SendTestNotification(recipient_id=created.recipient_id))
    assert not refused.is_ok
    assert f"shows host key SHA256:{sha256_of(second_key)}" in refused.answer
    assert f"expects SHA256:{sha256_of(first_key)}" in refused.answer
    assert "not even the password" in refused.answer
    assert "clear the recipient's host key fingerprints" in refused.answer
    assert tried == []
    assert len(list(tmp_path.glob("*.txt"))) == 1
    stored = await deps.recipients.get(created.recipient_id)
    assert isinstance(stored, SftpRecipient) and stored.host_key_sha256 == sha256_of(first_key)


async def test_clearing_the_fingerprint_accepts_the_servers_new_key(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace, tmp_path: Path
) -> None:
    async with peers.sftp_server(tmp_path) as (port, first_key):
        created = await fake_bus.request(CreateRecipient(recipient=unpinned(port)))
        await fake_bus.request(SendTestNotification(recipient_id=created.recipient_id))
    tried: list[str] = []
    async with peers.sftp_server(tmp_path, port=port, tried=tried) as (_, second_key):
        shown = await fake_bus.request(GetRecipient(recipient_id=created.recipient_id))
        assert isinstance(shown.recipient, SftpRecipient)
        assert shown.recipient.host_key_sha256 == sha256_of(first_key)
        cleared = shown.recipient.model_copy(update={"host_key_sha256": None})
        await fake_bus.request(
            UpdateRecipient(recipient_id=created.recipient_id, recipient=cleared)
        )
        result = await fake_bus.request(SendTestNotification(recipient_id=created.recipient_id))
    assert result.is_ok and "host key pinned" in result.answer, result.answer
    assert tried == ["secret"]  # the stored password, sent once the key was accepted
    stored = await deps.recipients.get(created.recipient_id)
    assert isinstance(stored, SftpRecipient) and stored.host_key_sha256 == sha256_of(second_key)
    assert stored.password == "secret"


async def test_an_unsaved_recipient_or_another_server_pins_nothing(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace, tmp_path: Path
) -> None:
    async with peers.sftp_server(tmp_path) as (port, key):
        unsaved = await fake_bus.request(SendTestNotification(recipient=unpinned(port)))
        created = await fake_bus.request(CreateRecipient(recipient=unpinned(port + 1)))
        elsewhere = await fake_bus.request(
            SendTestNotification(recipient_id=created.recipient_id, recipient=unpinned(port))
        )
    assert unsaved.is_ok, unsaved.answer
    assert f"SHA256:{sha256_of(key)} seen for the first time" in unsaved.answer
    assert "pinned" not in unsaved.answer
    assert elsewhere.is_ok and "pinned" not in elsewhere.answer, elsewhere.answer
    stored = await deps.recipients.get(created.recipient_id)
    assert isinstance(stored, SftpRecipient) and stored.host_key_sha256 is None
