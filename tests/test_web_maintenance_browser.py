"""The dashboard in headless Chromium: a rule edited, a server report, an upgrade followed live."""

from __future__ import annotations

import io
import json
import re
import zipfile

import httpx
from playwright.async_api import Browser, Page, expect

from actkit_core.bus import Bus
from actkit_core.testing.stack import Stack
from actkit_proto.system import SetUpgradeSettings, UpgradeSettings

from .test_web_browser import _logged_in_administrator, _shot, browser, pytestmark

__all__ = ["browser", "pytestmark"]
PCAP_MAGIC = bytes.fromhex("a1b2c3d4")
RULE = {
    "name": "Window open",
    "conditions": [{"type": "input", "port_id": 1}],
    "action": {"type": "io_while_active", "port_id": 9},
}


async def test_a_rule_is_edited_through_its_form_and_a_server_report_downloaded(
    stack: Stack, browser: Browser
) -> None:
    context, page = await _logged_in_administrator(stack, browser)
    async with httpx.AsyncClient(verify=False, auth=("root", "pass-w0rd")) as http:
        created = await http.post(stack.https_url + "api/v1/rules", json=RULE)
        assert created.status_code == 201, created.text

    await page.click("nav >> text=Schedules")
    await page.fill("#weekly-name", "Nights")
    for day in ("mon", "tue", "wed"):
        await page.check(f"input[name=range-0-{day}]")
    await page.fill("#range-0-start", "22:00")
    await page.fill("#range-0-end", "06:00")
    await page.click("#add-weekly-save")
    await expect(page.locator("#schedule-1")).to_contain_text("Mon, Tue, Wed 22:00 to 06:00")

    await page.click("nav >> text=Rules")
    await page.click("#rule-1-edit")
    await expect(page.locator("#rule-name")).to_have_value("Window open")
    await expect(page.locator("#cond-0-port_id")).to_have_value("1")
    await page.fill("#rule-name", "Window open at night")
    await page.select_option("#cond-1-type", "schedule")
    await page.select_option("#cond-1-schedule_id", "1")
    await page.select_option("#action-port_id", "")
    await page.click("#edit-rule-save")
    await expect(page.locator("#action-port_id-error")).to_contain_text("Field required")
    await expect(page.locator("#rule-name")).to_have_value("Window open at night")
    await _shot(page, "11-rule-edit-refused")
    await page.select_option("#action-port_id", label="Relay (output)")
    await page.click("#edit-rule-save")
    await expect(page).to_have_url(stack.https_url + "events/rules")
    await expect(page.locator("#rule-1")).to_contain_text("Window open at night")
    await expect(page.locator("#rule-1")).to_contain_text("(schedule: 1)")
    await _shot(page, "12-rule-edited")

    await page.click("nav >> text=Maintenance")
    await expect(page.locator("#upgrade-version")).not_to_be_empty()
    name, content = await _download(page, stack, "#report-download")
    assert "_server_report_" in name
    assert name.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        (name,) = archive.namelist()
        report = archive.read(name).decode()
    assert "Model: AXIS W401" in report
    version = await page.locator("#upgrade-version").inner_text()
    assert f"Software version: {version}" in report

    # A network trace of the shortest time: progress and the pcap link arrive live.
    await page.select_option("#trace-duration", "10")
    await page.click("#trace-start")
    await expect(page.locator("#trace-progress")).to_be_visible()
    await _shot(page, "13-maintenance-trace-recording")
    await expect(page.locator("#trace-download")).to_be_visible(timeout=60_000)
    name, pcap = await _download(page, stack, "#trace-download")
    assert name.endswith(".pcap")
    assert pcap[:4] in (PCAP_MAGIC, PCAP_MAGIC[::-1])
    await context.close()


async def test_an_upgrade_shows_its_progress_live_and_is_confirmed(
    stack: Stack, browser: Browser
) -> None:
    context, page = await _logged_in_administrator(stack, browser)
    # Development setting: unsigned bundles are accepted (a person cannot sign in a test).
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        await bus.request(SetUpgradeSettings(settings=UpgradeSettings(allow_unsigned=True)))
    manifest = {"version": "9.9.9", "services": {"io": {"image": "actkit:9.9.9"}}}

    await page.click("nav >> text=Maintenance")
    await page.set_input_files(
        "#upgrade-bundle",
        {"name": "update.json", "mimeType": "application/json", "buffer": b"not json"},
    )
    await page.click("#upgrade-start")
    await expect(page.locator("#upgrade-error")).to_contain_text("the file is not JSON")
    await page.set_input_files(
        "#upgrade-bundle",
        {
            "name": "update.json",
            "mimeType": "application/json",
            "buffer": json.dumps(manifest).encode(),
        },
    )
    await page.select_option("#upgrade-mode", "autorollback")
    await page.click("#upgrade-start")
    await expect(page).to_have_url(stack.https_url + "maintenance")
    # Nothing reloads the page: the stage arrives over server-sent events.
    await expect(page.locator("#upgrade-stage")).to_have_text(
        "awaiting confirmation", timeout=60_000
    )
    await expect(page.locator("#upgrade-confirm-by")).to_be_visible()
    await _shot(page, "14-upgrade-awaiting-confirmation")
    await page.click("#upgrade-confirm")
    await expect(page.locator("#upgrade-version")).to_have_text("9.9.9")
    await expect(page.locator("#upgrade-stage")).to_have_text("committed")
    await context.close()


async def _download(page: Page, stack: Stack, link: str) -> tuple[str, bytes]:
    """Click a download link, then the file's name and bytes as the device sends them.

    Clicking shows the browser starts a download; the file is fetched again with the
    browser's session, since headless Chromium cancels some downloads (a known Chromium fault
    that says nothing about the device).
    """
    async with page.expect_download():
        await page.click(link)
    href = await page.locator(link).get_attribute("href")
    assert href is not None
    fetched = await page.request.get(stack.https_url + href.lstrip("/"))
    assert fetched.ok, fetched.status
    body = await fetched.body()
    assert len(body) == int(fetched.headers["content-length"])
    found = re.search(r'attachment; filename="([^"]+)"', fetched.headers["content-disposition"])
    assert found is not None
    return found.group(1), body
