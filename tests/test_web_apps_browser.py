"""The Apps page in headless Chromium, on the stack's simulated engine: an unsigned package
refused, Allow unsigned apps turned on, the package uploaded in pieces and installed, the app
started and stopped with its switch, its log read, and the app deleted."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

from playwright.async_api import Browser, expect

from actkit_core.testing.stack import Stack

from .test_web_browser import _logged_in_administrator, _shot, browser, pytestmark

__all__ = ["browser", "pytestmark"]


def _image_archive() -> bytes:
    """An image archive as ``docker save`` lays it out, padded past one upload piece (256 KiB)."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as archive:
        for name, body in {
            "manifest.json": json.dumps(
                [{"Config": "ab" * 32 + ".json", "RepoTags": ["apps/trip-log:1.0.0"]}]
            ).encode(),
            "padding": bytes(300 * 1024),
        }.items():
            member = tarfile.TarInfo(name)
            member.size = len(body)
            archive.addfile(member, io.BytesIO(body))
    return data.getvalue()


def _unsigned_package(image: bytes) -> bytes:
    manifest = {
        "format_version": 1,
        "name": "trip-log",
        "vendor": "Example Vendor",
        "version": "1.0.0",
        "memory_mb": 64,
        "cpus": 0.25,
        "licence_text": "MIT License",
        "image": "apps/trip-log:1.0.0",
        "image_sha256": hashlib.sha256(image).hexdigest(),
    }
    return json.dumps({"manifest": json.dumps(manifest), "signature": None}).encode()


async def test_an_app_is_added_run_and_deleted_from_the_apps_page(
    stack: Stack, browser: Browser
) -> None:
    context, page = await _logged_in_administrator(stack, browser)
    image = _image_archive()
    await page.click("nav >> text=Apps")
    await expect(page.locator("#apps")).to_contain_text("No app is installed.")

    async def add() -> None:
        await page.set_input_files(
            "#add-app-package",
            {
                "name": "trip-log.json",
                "mimeType": "application/json",
                "buffer": _unsigned_package(image),
            },
        )
        await page.set_input_files(
            "#add-app-image",
            {"name": "trip-log.tar", "mimeType": "application/x-tar", "buffer": image},
        )
        await page.click("#add-app-install")

    await add()
    await expect(page.locator("#add-app-progress")).to_contain_text(
        "Not installed: the app is not signed; turn on Allow unsigned apps"
    )
    await page.check("#apps-allow-unsigned")
    await page.click("#apps-settings-save")
    await expect(page.locator("#apps-done")).to_have_text("App settings saved.")
    await add()
    await expect(page.locator("#app-trip-log")).to_contain_text("(unsigned)")
    await expect(page.locator("#app-trip-log-state")).to_contain_text("Stopped")

    await page.click("#app-trip-log-switch")
    await expect(page.locator("#app-trip-log-state")).to_contain_text("Running")
    await _shot(page, "30-apps-running")
    log = await page.request.get(stack.https_url + "api/v1/apps/trip-log/log")
    assert log.ok and "started" in await log.text()
    licence = await page.request.get(stack.https_url + "api/v1/apps/trip-log/licence")
    assert await licence.text() == "MIT License"
    await page.click("#app-trip-log-switch")
    await expect(page.locator("#app-trip-log-state")).to_contain_text("Stopped")

    await page.click("#app-trip-log summary")
    await page.click("#app-trip-log-delete")
    await expect(page.locator("#apps-done")).to_have_text("trip-log deleted.")
    await expect(page.locator("#apps")).to_contain_text("No app is installed.")
    await context.close()
