"""The dashboard in headless Chromium: email with POP authentication, network storage and SIP
call recipients, each added from its form, tested against its real server and used by a rule."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from playwright.async_api import Browser, Page, expect

from actkit_core.testing.dovecot import dovecot
from actkit_core.testing.eventually import eventually
from actkit_core.testing.samba import samba
from actkit_core.testing.sip import sip_peers
from actkit_core.testing.stack import Stack, free_port

from .test_web_browser import _logged_in_administrator, _shot, browser, pytestmark

__all__ = ["browser", "pytestmark"]


@dataclass
class Mailbox:
    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


async def _fill(page: Page, values: dict[str, str]) -> None:
    for name, value in values.items():
        await page.fill(f"#recipient-{name}", value)


async def _send_by_rule(stack: Stack, recipient_id: int) -> None:
    """A rule on manual trigger 1 that notifies the recipient, and the trigger turned on."""
    rule = {
        "name": "Panic button",
        "conditions": [{"type": "manual", "trigger_id": 1}],
        "action": {"type": "notification", "recipient_id": recipient_id},
    }
    async with httpx.AsyncClient(verify=False, auth=("root", "pass-w0rd")) as http:
        created = await http.post(stack.https_url + "api/v1/rules", json=rule)
        assert created.status_code == 201, created.text
        turned = await http.put(stack.https_url + "api/v1/triggers/1/state", json={"is_on": True})
        assert turned.status_code == 200, turned.text


@pytest.mark.skipif(shutil.which("dovecot") is None, reason="needs dovecot-pop3d")
async def test_email_with_pop_authentication_is_added_tested_and_sent_by_a_rule(
    stack: Stack, browser: Browser
) -> None:
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        with dovecot() as pop:
            context, page = await _logged_in_administrator(stack, browser)
            await page.click("nav >> text=Recipients")
            await page.click("#add-email")
            await _fill(
                page,
                {
                    "name": "Ops",
                    "to": "ops@example.com",
                    "sender": "kit@example.com",
                    "host": "127.0.0.1",
                    "port": str(smtp.port),
                    "username": pop.username,
                    "password": "wrong",
                    "pop_host": "localhost",
                    "pop_port": str(pop.pop3_port),
                },
            )
            await page.click("#recipient-test")
            await expect(page.locator("#test-result")).to_contain_text(
                "refused the login, so nothing was sent: -ERR [AUTH] Authentication failed."
            )
            await page.fill("#recipient-password", pop.password)
            await page.click("#recipient-test")
            await expect(page.locator("#test-result")).to_contain_text("+OK Logged in.")
            await expect(page.locator("#test-result")).to_contain_text("Message accepted")
            await _shot(page, "20-recipient-email-pop-tested")
            await page.fill("#recipient-password", pop.password)
            await page.click("#recipient-save")
            await expect(page).to_have_url(stack.https_url + "events/recipients")
            await page.click("#recipient-1-test")
            await expect(page.locator("#recipient-1-result")).to_contain_text("+OK Logged in.")

            await _send_by_rule(stack, 1)
            await eventually(lambda: len(mailbox.envelopes) == 3, timeout_s=15)
            log = pop.log
            await context.close()
    finally:
        smtp.stop()
    content = mailbox.envelopes[-1].content
    assert isinstance(content, bytes) and b"Subject: Panic button" in content
    assert log.count("Login: user=<kit>") == 3


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("smbd") is None, reason="needs root and samba"
)
async def test_network_storage_is_added_tested_and_written_to_by_a_rule(
    stack: Stack, browser: Browser
) -> None:
    with samba() as server:
        context, page = await _logged_in_administrator(stack, browser)
        await page.click("nav >> text=Recipients")
        await page.click("#add-network_storage")
        await _fill(
            page,
            {
                "name": "NAS",
                "host": server.host,
                "port": str(server.port),
                "share": server.share,
                "folder": "missing",
                "username": server.username,
                "password": server.password,
            },
        )
        await page.click("#recipient-test")
        await expect(page.locator("#test-result")).to_contain_text(
            "the folder 'missing' does not exist in the share"
        )
        await page.fill("#recipient-folder", "events")
        await page.fill("#recipient-password", server.password)
        await page.select_option("#recipient-smb_version", "3.0.2")
        await page.click("#recipient-test")
        await expect(page.locator("#test-result")).to_contain_text("(SMB 3.0.2, logged in as cam)")
        await _shot(page, "21-recipient-network-storage-tested")
        await page.fill("#recipient-password", server.password)
        await page.click("#recipient-save")
        await expect(page).to_have_url(stack.https_url + "events/recipients")

        await _send_by_rule(stack, 1)
        folder = server.share_path / "events"
        written = await eventually(
            lambda: [path for path in folder.iterdir() if path.name.startswith("Panic_button_")],
            timeout_s=15,
        )
        text = written[0].read_text()
        await context.close()
    assert text.startswith("Rule Panic button was activated at ")


@pytest.mark.skipif(
    shutil.which("kamailio") is None or shutil.which("baresip") is None,
    reason="needs kamailio and baresip",
)
async def test_a_sip_call_recipient_is_added_test_called_and_called_by_a_rule(
    stack: Stack, browser: Browser
) -> None:
    with sip_peers() as peers:
        context, page = await _logged_in_administrator(stack, browser)
        await page.click("nav >> text=Recipients")
        await page.click("#add-sip")
        await _fill(
            page,
            {
                "name": "Dispatch phone",
                "from_account": f"{peers.caller}@{peers.host}",
                "to_address": peers.callee,
                "proxy_host": peers.host,
                "proxy_port": str(peers.proxy_port),
                "password": "wrong",
                "call_duration_s": "1",
            },
        )
        await page.click("#recipient-test")
        await expect(page.locator("#test-result")).to_contain_text(
            "refused the password of kit (407 Proxy Authentication Required): nobody was called"
        )
        await page.fill("#recipient-password", peers.password)
        await page.click("#recipient-test")
        await expect(page.locator("#test-result")).to_contain_text("(200 Answering) by baresip")
        await expect(page.locator("#test-result")).to_contain_text("hung up (BYE: 200 OK)")
        await _shot(page, "22-recipient-sip-test-call")
        await page.fill("#recipient-password", peers.password)
        await page.click("#recipient-save")
        await expect(page).to_have_url(stack.https_url + "events/recipients")

        await _send_by_rule(stack, 1)
        await eventually(lambda: len(peers.received_audio()) == 2, timeout_s=15)
        await eventually(lambda: peers.callee_log.count("audio: destroyed") == 2, timeout_s=15)
        log = peers.proxy_log
        await context.close()
    assert log.count("relaying INVITE from sip:kit@") == 2
