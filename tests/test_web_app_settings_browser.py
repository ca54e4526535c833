"""An app's setting changed in headless Chromium reaches the app: the example trip-log is
installed on the stack, its code follows the stack's bus as its container would, Open's form
turns Record input changes off, and a simulated input change is then not recorded while the
ignition is."""

from __future__ import annotations

import asyncio
import hashlib
import json
import urllib.parse
from pathlib import Path

from playwright.async_api import Browser, expect

from actkit_core.bus import Bus
from actkit_core.natsconf import inbox_prefix
from actkit_core.testing.eventually import eventually
from actkit_core.testing.stack import Stack
from actkit_proto.io import Circuit, DriveInput, SwitchIgnition

from .test_app_example import APP, _trip_log
from .test_web_apps_browser import _image_archive
from .test_web_browser import _logged_in_administrator, browser, pytestmark

__all__ = ["browser", "pytestmark"]


def _package(image: bytes) -> bytes:
    """The example app's own manifest (its settings schema), unsigned, for this archive."""
    manifest = json.loads((APP.parent / "manifest.json").read_text())
    manifest["image_sha256"] = hashlib.sha256(image).hexdigest()
    return json.dumps({"manifest": json.dumps(manifest), "signature": None}).encode()


async def test_a_setting_saved_on_open_is_used_by_the_running_app(
    stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    context, page = await _logged_in_administrator(stack, browser)
    await page.goto(stack.https_url + "apps")
    await page.check("#apps-allow-unsigned")
    await page.click("#apps-settings-save")
    # Saved before the unsigned package is sent, else it may be refused as not signed.
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
    await expect(page.locator("#app-trip-log-open")).to_be_visible()

    trip_log = _trip_log()
    log = trip_log.TripLog(tmp_path / "trip-log.csv")
    where = urllib.parse.urlsplit(stack.nats_url)
    user = stack.credentials()
    # The app as a user of the device's bus: here the cli's, with the cli's reply subjects.
    access = trip_log.Access(user["user"], user["password"], inbox_prefix(user["user"]))
    url = f"nats://{where.hostname}:{where.port}"
    subscribed = asyncio.Event()
    following = asyncio.create_task(trip_log.follow(url, log, subscribed, access=access))

    async def settled(record_inputs: bool) -> bool:
        return await eventually(lambda: log.record_inputs == record_inputs)

    async def rows(count: int) -> list[str]:
        await eventually(lambda: len(log.text().splitlines()) > count)
        return [row.split(",")[1] for row in log.text().splitlines()[1:]]

    try:
        await asyncio.wait_for(subscribed.wait(), 10)
        await page.click("#app-trip-log-open")
        await expect(page.locator("#app-setting-record_inputs")).to_be_checked()
        await page.uncheck("#app-setting-record_inputs")
        await page.click("#app-settings-save")
        await expect(page.locator("#app-settings-done")).to_have_text("Settings saved.")
        assert await settled(record_inputs=False)

        async with Bus.connect("test", servers=[stack.nats_url], **user) as bus:
            await bus.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))
            await bus.request(SwitchIgnition(is_on=True))
            assert await rows(1) == ["ignition"]
            await page.check("#app-setting-record_inputs")
            await page.click("#app-settings-save")
            assert await settled(record_inputs=True)
            await bus.request(DriveInput(port_id=1, circuit=Circuit.OPEN))
            assert await rows(2) == ["ignition", "port 1"]
    finally:
        following.cancel()
        await context.close()
