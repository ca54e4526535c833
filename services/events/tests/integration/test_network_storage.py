"""Network storage recipients against a real Samba smbd: written, renamed, and refused clearly."""

import asyncio
import os
import shutil
from types import SimpleNamespace

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_events.handlers import Deps
from actkit_proto.events import (
    CreateRecipient,
    CreateRule,
    NetworkStorageRecipient,
    NotifyAction,
    QueryEventLog,
    RuleSpec,
    SendTestNotification,
    SmbVersion,
    TamperCondition,
)
from actkit_proto.io import Circuit, PortTampered

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("smbd") is None, reason="needs root and samba"
)


def storage(server: SimpleNamespace, **extra: object) -> NetworkStorageRecipient:
    fields: dict[str, object] = {
        "name": "NAS",
        "host": server.host,
        "port": server.port,
        "share": server.share,
        "folder": "events",
        "username": server.username,
        "password": server.password,
    } | extra
    return NetworkStorageRecipient.model_validate(fields)


async def test_the_test_file_is_written_under_a_temporary_name_then_renamed(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace
) -> None:
    with peers.smb_server() as server:
        default = await fake_bus.request(SendTestNotification(recipient=storage(server)))
        pinned = await fake_bus.request(
            SendTestNotification(
                recipient=storage(
                    server, smb_version=SmbVersion.SMB_2_1, domain=server.domain, folder="/events/"
                )
            )
        )
        written = sorted((server.share_path / "events").iterdir())
        texts = {path.read_text() for path in written}
    assert default.is_ok, default.answer
    assert default.answer.startswith(f"wrote \\\\{server.host}\\events\\events\\actkit_test_")
    assert default.answer.endswith("(SMB 3.1.1, logged in as cam)")
    assert pinned.is_ok, pinned.answer
    assert pinned.answer.endswith("(SMB 2.1, logged in as ACTKIT\\cam)")
    assert [path.name.startswith("actkit_test_notification_") for path in written] == [True, True]
    assert texts == {"This is a test notification from the activation kit."}


async def test_a_refused_login_a_missing_folder_and_a_full_disk_each_say_so(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace
) -> None:
    with peers.smb_server() as server:
        share = f"\\\\{server.host}\\events (port {server.port})"
        answers = [
            await fake_bus.request(SendTestNotification(recipient=spec))
            for spec in (
                storage(server, password="wrong"),
                storage(server, folder="missing/deeper"),
                storage(server, folder="full"),
                storage(server, share="nosuch"),
            )
        ]
        left_in_full = sorted(path.name for path in (server.share_path / "full").iterdir())
    assert [answer.is_ok for answer in answers] == [False] * 4
    wrong, missing, full, no_share = (answer.answer for answer in answers)
    assert wrong == (
        f"network storage {share} refused the login as cam: the user name or password is wrong"
    )
    assert missing == (
        f"network storage {share}: "
        "the folder 'missing/deeper' does not exist in the share; create it on the server or "
        "correct the recipient's folder"
    )
    assert "There is not enough space on the disk" in full and "STATUS_DISK_FULL" in full
    assert no_share.endswith("the server has no share 'nosuch'"), no_share
    assert left_in_full == [], "the partial temporary file is removed"


async def test_a_rule_writes_its_notification_to_the_share(
    deps: Deps, fake_bus: FakeBus, peers: SimpleNamespace
) -> None:
    with peers.smb_server() as server:
        created = await fake_bus.request(CreateRecipient(recipient=storage(server)))
        await fake_bus.request(
            CreateRule(
                rule=RuleSpec(
                    name="Rack",
                    conditions=[TamperCondition(port_id=4)],
                    action=NotifyAction(
                        recipient_id=created.recipient_id,
                        subject="{rule_name} tampered",
                        message="Rule {rule_id}: {condition}",
                    ),
                )
            )
        )
        await fake_bus.publish(PortTampered(port_id=4, is_tampered=True, circuit=Circuit.SHORT))
        await asyncio.wait_for(asyncio.gather(*deps.tasks), 15)
        [written] = (server.share_path / "events").iterdir()
        text = written.read_text()
    assert created.has_password and created.recipient.password is None  # type: ignore[union-attr]
    assert written.name.startswith("Rack_tampered_") and written.suffix == ".txt"
    assert text == "Rule 1: supervised input 4 is tampered with"
    log = await fake_bus.request(QueryEventLog(rule_id=1))
    assert "sent to NAS: wrote" in log.entries[-1].text
