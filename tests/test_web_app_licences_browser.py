"""Apps' licences in headless Chromium on the stack: an app that needs a licence is refused at
start, a key for another device refused, the vendor's key for this serial (read on About)
activated from the context menu, the app started, the licence deactivated (the app stops), then
activated automatically from a licence server started by the test."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Browser, Page, expect

from actkit_core.testing.stack import Stack

from .test_web_apps_browser import _image_archive
from .test_web_browser import _logged_in_administrator, _shot, browser, pytestmark

__all__ = ["browser", "pytestmark"]


def _vendor_tool(module: str, *args: str) -> str:
    """Run one of the vendor's tools (``actkit_system.handlers.<module>``), as a vendor does."""
    command = [sys.executable, "-m", f"actkit_system.handlers.{module}", *args]
    done = subprocess.run(command, check=True, capture_output=True, text=True, timeout=60)
    return done.stdout.strip()


def _licence_key(vendor: Path, serial: str) -> str:
    args = ("--app", "trip-log", "--serial", serial, "--key", str(vendor))
    return _vendor_tool("app_licence_key", *args)


def _package(image: bytes) -> bytes:
    manifest = {
        "format_version": 1,
        "name": "trip-log",
        "vendor": "Example Vendor",
        "version": "1.0.0",
        "needs_licence": True,
        "memory_mb": 64,
        "cpus": 0.25,
        "image": "apps/trip-log:1.0.0",
        "image_sha256": hashlib.sha256(image).hexdigest(),
    }
    return json.dumps({"manifest": json.dumps(manifest), "signature": None}).encode()


@pytest.fixture
async def licence_server() -> AsyncIterator[tuple[str, dict[str, str]]]:
    """A vendor's licence server: the key kept for a code, 403 otherwise; its URL and keys."""
    keys: dict[str, str] = {}

    async def answer(request: web.Request) -> web.Response:
        asked = await request.json()
        key = keys.get(asked["licence_code"])
        if key is None:
            return web.Response(status=403, text="unknown licence code")
        return web.json_response({"key": key})

    app = web.Application()
    app.router.add_post("/keys", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}/keys", keys
    finally:
        await runner.cleanup()


async def _menu(page: Page, entry: str) -> None:
    await page.click("#app-trip-log summary")
    if entry:
        await page.click(entry)


async def test_an_app_that_needs_a_licence_is_licensed_from_its_context_menu(
    stack: Stack,
    browser: Browser,
    tmp_path: Path,
    licence_server: tuple[str, dict[str, str]],
) -> None:
    keys = (str(tmp_path / "vendor.pem"), str(tmp_path / "vendor.pub"))
    _vendor_tool("rollout.bundle", "keygen", *keys)
    context, page = await _logged_in_administrator(stack, browser)
    await page.goto(stack.https_url + "about")
    serial = (await page.locator("#about-serial").inner_text()).strip()

    await page.goto(stack.https_url + "apps")
    await page.check("#apps-allow-unsigned")
    await page.fill("#apps-public-keys", (tmp_path / "vendor.pub").read_text())
    await page.fill("#apps-licence-server", licence_server[0])
    await page.click("#apps-settings-save")
    await expect(page.locator("#apps-done")).to_have_text("App settings saved.")
    image = _image_archive()
    await page.set_input_files(
        "#add-app-package",
        {"name": "trip-log.json", "mimeType": "application/json", "buffer": _package(image)},
    )
    await page.set_input_files(
        "#add-app-image",
        {"name": "trip-log.tar", "mimeType": "application/x-tar", "buffer": image},
    )
    await page.click("#add-app-install")
    licence_state = page.locator("#app-trip-log-licence-state")
    await expect(licence_state).to_have_text("Needs a licence to start")

    await page.click("#app-trip-log-switch")
    await expect(page.locator("#apps-error")).to_contain_text(
        "trip-log needs a licence and has none; activate one"
    )
    await _menu(page, "#app-trip-log-licence-key-menu")
    await page.fill("#app-trip-log-licence-key", _licence_key(tmp_path / "vendor.pem", "0" * 12))
    await page.click("#app-trip-log-licence-key-activate")
    await expect(page.locator("#apps-error")).to_contain_text(
        f"the licence key is for the device 000000000000, not this one ({serial})"
    )
    await _menu(page, "#app-trip-log-licence-key-menu")
    await page.fill("#app-trip-log-licence-key", _licence_key(tmp_path / "vendor.pem", serial))
    await page.click("#app-trip-log-licence-key-activate")
    await expect(page.locator("#apps-done")).to_have_text("The licence of trip-log is active.")
    await expect(licence_state).to_have_text("Licensed")
    await page.click("#app-trip-log-switch")
    await expect(page.locator("#app-trip-log-state")).to_contain_text("Running")
    await _shot(page, "31-apps-licensed")

    await _menu(page, "#app-trip-log-licence-deactivate")
    await expect(page.locator("#apps-done")).to_contain_text("deactivated and removed")
    await expect(page.locator("#app-trip-log-state")).to_contain_text("Stopped")
    await expect(licence_state).to_have_text("Needs a licence to start")

    licence_server[1]["CODE-1234"] = _licence_key(tmp_path / "vendor.pem", serial)
    for code, said in (("WRONG", "refused (403): unknown licence code"), ("CODE-1234", "")):
        await _menu(page, "#app-trip-log-licence-fetch-menu")
        await page.fill("#app-trip-log-licence-code", code)
        await page.click("#app-trip-log-licence-fetch")
        if said:
            await expect(page.locator("#apps-error")).to_contain_text(said)
    await expect(licence_state).to_have_text("Licensed")
    await page.click("#app-trip-log-switch")
    await expect(page.locator("#app-trip-log-state")).to_contain_text("Running")

    await _menu(page, "#app-trip-log-delete")
    await expect(page.locator("#apps-done")).to_have_text("trip-log deleted.")
    await context.close()
