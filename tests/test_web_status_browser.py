"""Status in headless Chromium on the stack, as the manual has it: the links to upgrade and to the
NTP settings, the hardening summary from the owners with recommendations that follow the settings,
and the connected clients read from the services' own sockets (the browser's among them)."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, expect

from actkit_core.testing.stack import Stack

from .test_web_browser import _logged_in_administrator, _shot, browser, pytestmark

__all__ = ["browser", "pytestmark"]


async def test_status_sums_up_the_hardening_and_lists_the_connected_clients(
    stack: Stack, browser: Browser
) -> None:
    context, page = await _logged_in_administrator(stack, browser)
    await page.goto(stack.https_url + "status")

    # The defaults: HTTP beside HTTPS and no firewall are weak; the rest holds.
    await expect(page.locator("#hardening-https")).to_contain_text("HTTP and HTTPS")
    await expect(page.locator("#hardening-https")).to_contain_text("Allow access through HTTPS")
    await expect(page.locator("#hardening-default-deny-firewall")).to_contain_text("off")
    await expect(page.locator("#hardening-brute-force-protection")).to_contain_text(
        "Nothing to change"
    )
    await expect(page.locator("#hardening-ssh")).to_contain_text("Nothing to change")
    await expect(page.locator("#hardening-unsigned-apps")).to_contain_text("not allowed")
    await expect(page.locator("#hardening-authentication-method")).to_contain_text(
        "Digest and Basic"
    )
    await expect(page.locator("#hardening-silent")).to_have_count(0)

    # This browser is a client of the web service: its connection is listed with the process.
    await page.click("#clients-details summary")
    clients = page.locator("#clients tr.client-established", has_text="/web")
    await expect(clients.first).to_contain_text("127.0.0.1:")
    await expect(page.locator("#clients tr.client-listen", has_text="/web").first).to_be_visible()
    await _shot(page, "63-status-hardening-and-clients")

    # A weakened setting shows at once with what to change.
    async with httpx.AsyncClient(verify=False, auth=("root", "pass-w0rd")) as http:
        changed = await http.patch(
            stack.https_url + "api/v1/security/brute-force", json={"is_enabled": False}
        )
        assert changed.status_code == 200, changed.text
    await page.reload()
    await expect(page.locator("#hardening-brute-force-protection")).to_contain_text(
        "Turn on Prevent brute-force attacks"
    )

    await page.click("#upgrade-link")
    await expect(page).to_have_url(stack.https_url + "maintenance#upgrade")
    await page.goto(stack.https_url + "status")
    await page.click("#ntp-link")
    await expect(page).to_have_url(stack.https_url + "system/time#time")
    await context.close()
