"""Logging in with OpenID in headless Chromium, at the test provider, with the claimed role."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from actkit_core.testing.oidc_provider import CLIENT_ID, CLIENT_SECRET, serve_provider
from actkit_core.testing.stack import Stack

from .test_web_browser import _logged_in_administrator, _shot, browser, pytestmark

__all__ = ["browser", "pytestmark"]


async def test_an_openid_login_opens_a_session_with_the_claimed_role_and_logs_out(
    stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    with serve_provider() as provider:
        provider.signed_in = {"preferred_username": "alice", "groups": ["camera-admins"]}
        context, page = await _logged_in_administrator(stack, browser)

        # The provider is trusted through the device's store: its CA installed as any other.
        await page.click("nav >> text=Certificates")
        ca_file = tmp_path / "provider-ca.pem"
        ca_file.write_text(provider.ca_pem)
        await page.fill("#im-cert_id", "id-provider-ca")
        await page.select_option("#im-kind", "ca")
        await page.set_input_files("#im-certificate", ca_file)
        await page.click("#import button[type=submit]")
        await expect(page.locator("#certificate-id-provider-ca")).to_be_visible()

        await page.click("nav >> text=OpenID")
        await expect(page.locator("#openid-redirect-uri")).to_have_text(
            stack.https_url + "login/openid/callback"
        )
        await page.fill("#openid-provider_url", provider.discovery_url)
        await page.fill("#openid-client_id", CLIENT_ID)
        await page.fill("#openid-client_secret", CLIENT_SECRET)
        await page.fill("#openid-admin_claim", "groups=camera-admins")
        await page.check("#openid-is_enabled")
        await page.click("#openid button[type=submit]")
        await expect(page.locator("#openid-is_enabled")).to_be_checked()
        await expect(page.locator("#openid-client_secret")).to_have_value("")
        await _shot(page, "45-openid-configured")

        await page.click("#user-menu summary")
        await page.click("#log-out")
        await expect(page).to_have_url(stack.https_url + "login")
        await page.click("#openid-login")
        await expect(page).to_have_url(stack.https_url + "status")
        await expect(page.locator(".user")).to_have_text("alice (administrator)")
        await expect(page.locator("nav >> text=Certificates")).to_be_visible()
        await _shot(page, "46-openid-signed-in")

        await page.click("#user-menu summary")
        await page.click("#log-out")
        await expect(page).to_have_url(stack.https_url + "login")
        await page.goto(stack.https_url + "status")
        await expect(page).to_have_url(stack.https_url + "login?next=/status")
        await context.close()
