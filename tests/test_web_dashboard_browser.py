"""The dashboard's frame in headless Chromium at 1280 px and on a 768 px tablet: the main menu
shown and hidden, the user and context menus, help, about, legal and release notes, the rule
form's fields by type; copying a recipient and editing a schedule and an MQTT subscription on
their pages."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import Browser, Page, expect

from actkit_core.testing.stack import Stack

from .test_web_browser import _logged_in_administrator, _shot, browser, pytestmark

__all__ = ["browser", "pytestmark"]

ADMIN = httpx.DigestAuth("root", "pass-w0rd")
HEADER_CONTROLS = (
    "#main-menu > summary",
    "#release-notes-link",
    "#help-link",
    "#language-menu > summary",
    "#theme-toggle",
    "#user-menu > summary",
    "#context-menu > summary",
)


async def _fits_the_width(page: Page, width: int) -> None:
    """Nothing sticks out sideways: no horizontal scrolling, every header control on screen."""
    assert await page.evaluate("document.documentElement.scrollWidth") <= width
    for control in HEADER_CONTROLS:
        box = await page.locator(control).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, control


async def test_the_menus_and_the_header_pages_at_1280_px_and_on_a_tablet(
    stack: Stack, browser: Browser
) -> None:
    context, page = await _logged_in_administrator(stack, browser)
    await page.set_viewport_size({"width": 1280, "height": 800})
    await page.goto(stack.https_url + "status")
    nav = page.locator("#main-menu nav")

    # Wide: the menu is a sidebar beside the page, grouped as the manual.
    await expect(nav).to_be_visible()
    await expect(nav.locator("summary", has_text="System")).to_be_visible()
    await expect(nav.locator("summary", has_text="Events")).to_be_visible()
    menu_box, main_box = await nav.bounding_box(), await page.locator("main").bounding_box()
    assert menu_box is not None and main_box is not None
    assert main_box["x"] >= menu_box["x"] + menu_box["width"]
    await _fits_the_width(page, 1280)
    await _shot(page, "40-frame-1280")
    # Hidden, it stays hidden on the next page in this browser, and shows again.
    await page.click("#main-menu > summary")
    await expect(nav).to_be_hidden()
    await page.goto(stack.https_url + "system/logs")
    await expect(nav).to_be_hidden()
    await page.click("#main-menu > summary")
    await page.click("nav >> text=Recipients")
    await expect(nav.locator('a[aria-current="page"]')).to_have_text("Recipients")

    # Each page's Help opens its own topic.
    await page.click("#help-link")
    await expect(page).to_have_url(stack.https_url + "help/recipients")
    await expect(page.locator("h1")).to_have_text("Help: Recipients")
    await page.click("#help-back")
    await expect(page).to_have_url(stack.https_url + "events/recipients")

    # The context menu: About from the system service, Legal with every component.
    await page.click("#context-menu > summary")
    await page.click("#about-link")
    await expect(page.locator("#about-serial")).to_have_text(re.compile(r"^[0-9A-F]{12}$"))
    await expect(page.locator("#about-version")).not_to_be_empty()
    await _shot(page, "41-about")
    await page.click("#context-menu > summary")
    await page.click("#legal-link")
    await expect(page.locator("#vendored")).to_contain_text("htmx")
    assert await page.locator("#python-packages tbody tr").count() > 30
    await page.click("#release-notes-link")
    await expect(page.locator("#release-unreleased")).to_be_visible()

    # A tablet: the menu starts hidden on each page and shows over it.
    await page.set_viewport_size({"width": 768, "height": 1024})
    await page.goto(stack.https_url + "status")
    await expect(nav).to_be_hidden()
    await _fits_the_width(page, 768)
    await page.click("#main-menu > summary")
    await expect(nav).to_be_visible()
    await _shot(page, "42-frame-768-menu")
    await page.click("nav >> text=Schedules")
    await expect(page.locator("h1")).to_have_text("Schedules")
    await expect(nav).to_be_hidden()
    await _fits_the_width(page, 768)
    await page.click("#theme-toggle")
    await _shot(page, "43-schedules-768-dark")

    # A rule's condition and action show the fields of the type chosen.
    await page.click("#main-menu > summary")
    await page.click("nav >> text=Rules")
    await expect(page.locator("#cond-0-port_id")).to_be_visible()
    await expect(page.locator("#cond-0-subscription")).to_be_hidden()
    # Ports are chosen by the names io gives them: the board's nine, or none.
    await expect(page.locator("#cond-0-port_id option")).to_have_count(1 + 9)
    await expect(page.locator("#cond-0-port_id option[value='9']")).to_have_text("Relay (output)")
    await page.select_option("#cond-0-type", "mqtt_stateless")
    await expect(page.locator("#cond-0-subscription")).to_be_visible()
    await expect(page.locator("#cond-0-port_id")).to_be_hidden()
    await page.select_option("#action-type", "notification")
    await expect(page.locator("#action-recipient_id")).to_be_visible()
    await expect(page.locator("#action-topic")).to_be_hidden()
    await expect(page.locator("button.choose")).to_have_count(0)
    await _shot(page, "46-rule-form-768")

    # The user menu: who is logged in; Change account goes back to the login page.
    await page.click("#user-menu > summary")
    await expect(page.locator("#user-menu .panel")).to_contain_text("Logged in as root")
    await page.click("#change-account")
    await expect(page).to_have_url(stack.https_url + "login")
    assert (await page.request.get(stack.https_url + "status", max_redirects=0)).status == 303
    await context.close()


async def test_a_recipient_copied_and_a_schedule_and_subscription_edited_on_their_pages(
    stack: Stack, browser: Browser
) -> None:
    context, page = await _logged_in_administrator(stack, browser)
    async with httpx.AsyncClient(verify=False, auth=ADMIN) as http:
        hook = {"type": "https", "name": "Dispatch", "url": "https://dispatch.example/hook"}
        created = await http.post(
            stack.https_url + "api/v1/recipients", json=hook | {"password": "s3cret"}
        )
        assert created.status_code == 201, created.text
        weekly = {
            "kind": "weekly",
            "name": "Office hours",
            "ranges": [{"days": ["mon"], "start": "08:00", "end": "17:00"}],
        }
        assert (await http.post(stack.https_url + "api/v1/schedules", json=weekly)).is_success
        added = await http.post(
            stack.https_url + "api/v1/mqtt/subscriptions", json={"filter": "site/door"}
        )
        assert added.is_success, added.text

    await page.click("nav >> text=Recipients")
    await page.click("#recipient-1-copy")
    await expect(page.locator("#copied-from")).to_contain_text("Its password is not copied")
    await expect(page.locator("#recipient-name")).to_have_value("Dispatch copy")
    await expect(page.locator("#recipient-url")).to_have_value("https://dispatch.example/hook")
    await expect(page.locator("#recipient-password")).to_have_value("")
    await page.fill("#recipient-password", "s3cret")
    await page.click("#recipient-save")
    await expect(page.locator("#recipient-2")).to_contain_text("Dispatch copy")
    await _shot(page, "44-recipient-copied")

    await page.click("nav >> text=Schedules")
    await page.click("#schedule-1-edit")
    await expect(page.locator("#weekly-name")).to_have_value("Office hours")
    await page.fill("#weekly-name", "Day shift")
    await page.fill("#range-0-start", "07:00")
    await page.click("#edit-weekly-save")
    await expect(page).to_have_url(stack.https_url + "events/schedules")
    await expect(page.locator("#schedule-1")).to_contain_text("Day shift")
    await expect(page.locator("#schedule-1")).to_contain_text("Mon 07:00 to 17:00")

    await page.click("nav >> text=MQTT")
    row = page.locator("#subscription-1")
    await row.locator("summary").click()
    await page.fill("#subscription-1-filter", "site/+/door")
    await page.check("#subscription-1-edit input[name=is_stateful]")
    await page.click("#subscription-1-save")
    await expect(row).to_contain_text("site/+/door")
    await expect(row).to_contain_text("Stateful")
    await page.locator("#subscription-1 summary").click()
    await page.fill("#subscription-1-filter", "")
    await page.click("#subscription-1-save")
    await expect(page.locator("#subscription-1-filter-error")).to_be_visible()
    await _shot(page, "45-mqtt-subscription-refused")
    await context.close()
