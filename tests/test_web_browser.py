"""The dashboard in headless Chromium: first-run setup, log in, live port state."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from actkit_core.bus import Bus
from actkit_core.testing.stack import Stack
from actkit_proto.io import Circuit, DriveInput

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs the chromium package"),
]

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest_asyncio.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


async def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


async def test_first_run_login_and_live_port_state(stack: Stack, browser: Browser) -> None:
    context = await browser.new_context(ignore_https_errors=True)
    page = await context.new_page()

    await page.goto(stack.https_url)
    await expect(page).to_have_url(stack.https_url + "setup")
    await page.fill("#name", "root")
    await page.fill("#password", "pass-w0rd")
    await page.fill("#password_again", "pass-w0rd")
    await page.click("text=Add account")
    await expect(page.locator("#accept_licence-error")).to_be_visible()
    await _shot(page, "01-setup-licence-error")
    await page.fill("#password", "pass-w0rd")
    await page.fill("#password_again", "pass-w0rd")
    await page.check("input[name=accept_licence]")
    await page.click("text=Add account")
    await expect(page).to_have_url(stack.https_url + "status")
    await expect(page.locator(".user")).to_have_text("root (administrator)")
    await _shot(page, "02-status")

    await page.click("#user-menu summary")
    await page.click("#log-out")
    await expect(page).to_have_url(stack.https_url + "login")
    await page.fill("#name", "root")
    await page.fill("#password", "wrong")
    await page.click("button:text('Log in')")
    await expect(page.locator("p.error")).to_be_visible()
    await page.fill("#password", "pass-w0rd")
    await page.click("button:text('Log in')")
    await expect(page).to_have_url(stack.https_url + "status")

    await page.click("nav >> text=Accessories")
    # The manual's example: port 1 an input (window sensor), port 2 an output (lamp).
    await page.fill("#config-1-name", "Window sensor")
    await page.select_option("#config-1-direction", "input")
    await page.click("#config-1-save")
    await page.fill("#config-2-name", "Lamp")
    await page.select_option("#config-2-direction", "output")
    await page.click("#config-2-save")
    await expect(page.locator("#port-2")).to_contain_text("Output")
    await expect(page.locator("#port-1")).to_contain_text("Window sensor")
    await page.fill("#config-2-debounce_ms", "soon")
    await page.click("#config-2-save")
    await expect(page.locator("#config-2 .error")).to_contain_text("valid integer")
    await page.goto(stack.https_url + "accessories")
    await expect(page.locator("#port-1-state")).to_have_text("Inactive")
    await expect(page.locator("#port-2-state")).to_have_text("Inactive")
    await _shot(page, "03-accessories-configured")

    # The page follows the wiring live: the sensor opens and another client drives the lamp.
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        await bus.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))
    await expect(page.locator("#port-1-state")).to_have_text("Active")
    async with httpx.AsyncClient(verify=False) as http:
        driven = await http.put(
            stack.https_url + "api/v1/ports/2/state",
            json={"is_active": True},
            auth=httpx.DigestAuth("root", "pass-w0rd"),
        )
        assert driven.status_code == 200, driven.text
    await expect(page.locator("#port-2-state")).to_have_text("Active")
    await _shot(page, "04-accessories-live")

    await page.click("#port-9-activate")
    await expect(page.locator("#port-9-state")).to_have_text("Active")
    await page.click("#theme-toggle")
    await _shot(page, "05-accessories-relay-dark")
    await context.close()


async def test_an_administrator_adds_an_operator_who_sees_no_system_pages(
    stack: Stack, browser: Browser
) -> None:
    context, page = await _logged_in_administrator(stack, browser)

    await page.click("nav >> text=Accounts")
    await _add_account(page, "root")
    await expect(page.locator("#add-name-error")).to_contain_text("already exists")
    await _add_account(page, "driver")
    await expect(page.locator("#account-driver")).to_contain_text("Operator")
    await _shot(page, "06-accounts")

    await page.click("#user-menu summary")
    await page.click("#log-out")
    await _log_in(page, stack, "driver", "drive-0n")
    await expect(page.locator(".user")).to_have_text("driver (operator)")
    await expect(page.locator("nav >> text=Accounts")).to_have_count(0)
    await page.click("nav >> text=Accessories")
    await page.click("#port-9-activate")
    await expect(page.locator("#port-9-state")).to_have_text("Active")
    await context.close()


async def _add_account(page: Page, name: str) -> None:
    await page.fill("#add-name", name)
    await page.fill("#add-password", "drive-0n")
    await page.fill("#add-password_again", "drive-0n")
    await page.select_option("#add-role", "2")
    await page.click("button:text('Add')")


async def _set_direction(page: Page, port_id: int, direction: str) -> None:
    """Configure a port's direction on the Accessories page and wait until the row shows it."""
    await page.click("nav >> text=Accessories")
    await page.select_option(f"#config-{port_id}-direction", direction)
    await page.click(f"#config-{port_id}-save")
    await expect(page.locator(f"#port-{port_id}")).to_contain_text(direction.capitalize())


async def _log_in(page: Page, stack: Stack, name: str, password: str) -> None:
    await page.goto(stack.https_url + "login")
    await page.fill("#name", name)
    await page.fill("#password", password)
    await page.click("button:text('Log in')")
    await expect(page).to_have_url(stack.https_url + "status")


async def test_the_manuals_window_sensor_lights_the_lamp_through_a_rule(
    stack: Stack, browser: Browser
) -> None:
    context = await browser.new_context(ignore_https_errors=True)
    page = await context.new_page()
    await page.goto(stack.https_url)
    await page.fill("#name", "root")
    await page.fill("#password", "pass-w0rd")
    await page.fill("#password_again", "pass-w0rd")
    await page.check("input[name=accept_licence]")
    await page.click("text=Add account")
    await page.click("#user-menu summary")
    await page.click("#log-out")
    await _log_in(page, stack, "root", "pass-w0rd")

    await _set_direction(page, 1, "input")
    await _set_direction(page, 2, "output")

    await page.click("nav >> text=Rules")
    await page.fill("#rule-name", "Window open")
    await page.select_option("#cond-0-type", "input")
    await page.select_option("#action-type", "io_while_active")
    await page.select_option("#action-port_id", label="Port 2 (output)")
    await page.click("#add-rule-save")  # no input port chosen: refused beside it
    await expect(page.locator("#cond-0-port_id-error")).to_contain_text("Field required")
    await _shot(page, "07-rules-refused")
    await page.fill("#rule-name", "Window open")
    await page.select_option("#cond-0-type", "input")
    await page.select_option("#cond-0-port_id", label="Port 1 (input)")
    await page.select_option("#action-type", "io_while_active")
    await page.select_option("#action-port_id", label="Port 2 (output)")
    await page.click("#add-rule-save")
    await expect(page).to_have_url(stack.https_url + "events/rules")
    await expect(page.locator("#rule-1")).to_contain_text("(port: 2")
    await expect(page.locator("#rule-1-state")).to_have_text("Inactive")
    await _shot(page, "08-rules-window-lamp")

    # The window opens: the simulator closes input 1's circuit, the rule holds the lamp on.
    await page.click("nav >> text=Accessories")
    await expect(page.locator("#port-2-state")).to_have_text("Inactive")
    await page.select_option("#sim-1", "closed")
    await page.click("#sim-1-drive")
    await expect(page.locator("#port-1-state")).to_have_text("Active")
    await expect(page.locator("#port-2-state")).to_have_text("Active")
    await _shot(page, "09-accessories-lamp-on-by-rule")
    await page.click("nav >> text=Rules")
    await expect(page.locator("#rule-1-state")).to_have_text("Active")

    await page.click("nav >> text=Accessories")
    await page.select_option("#sim-1", "open")
    await page.click("#sim-1-drive")
    await expect(page.locator("#port-2-state")).to_have_text("Inactive")

    await page.click("nav >> text=Rules")
    await page.click("#rule-1-switch")
    await expect(page.locator("#rule-1-state")).to_have_text("Off")
    await page.click("#rule-1-delete")
    await expect(page.locator("#rule-1")).to_have_count(0)
    await context.close()


async def test_a_manual_trigger_holds_the_relay_through_a_rule(
    stack: Stack, browser: Browser
) -> None:
    context, page = await _logged_in_administrator(stack, browser)

    await page.click("nav >> text=Rules")
    await page.fill("#rule-name", "Siren by hand")
    await page.select_option("#cond-0-type", "manual")
    await page.select_option("#cond-0-trigger_id", label="Manual trigger 1")
    await page.select_option("#action-type", "io_while_active")
    await page.select_option("#action-port_id", label="Relay (output)")
    await page.click("#add-rule-save")
    await expect(page.locator("#rule-1-state")).to_have_text("Inactive")

    await page.click("nav >> text=Manual triggers")
    await page.click("#trigger-1-on")
    await expect(page.locator("#trigger-done")).to_have_text("Manual trigger 1 on.")
    await page.click("nav >> text=Accessories")
    await expect(page.locator("#port-9-state")).to_have_text("Active")
    await _shot(page, "10-relay-on-by-manual-trigger")
    await page.click("nav >> text=Manual triggers")
    await page.click("#trigger-1-off")
    await page.click("nav >> text=Accessories")
    await expect(page.locator("#port-9-state")).to_have_text("Inactive")

    await page.click("nav >> text=Recipients")
    await expect(page.locator("main")).to_contain_text("No recipients yet.")
    await context.close()


async def _logged_in_administrator(stack: Stack, browser: Browser) -> tuple[BrowserContext, Page]:
    """The first administrator made over the API, then logged in through the login page."""
    async with httpx.AsyncClient(verify=False) as http:
        created = await http.post(
            stack.https_url + "api/v1/setup",
            json={"name": "root", "password": "pass-w0rd", "accept_licence": True},
        )
        assert created.status_code == 201
    context = await browser.new_context(ignore_https_errors=True)
    page = await context.new_page()
    await _log_in(page, stack, "root", "pass-w0rd")
    return context, page


async def test_time_and_location_set_through_the_pages_are_read_back(
    stack: Stack, browser: Browser
) -> None:
    context, page = await _logged_in_administrator(stack, browser)

    await page.click("nav >> text=Time and location")
    await page.fill("#location-latitude", "91")
    await page.click("#location button:text('Save')")
    await expect(page.locator("#location-latitude-error")).to_contain_text("less than or equal")
    await page.fill("#location-latitude", "57.7089")
    await page.fill("#location-longitude", "11.9746")
    await page.fill("#location-heading", "270")
    await page.fill("#location-label", "Patrol car 12")
    await page.click("#location button:text('Save')")
    await expect(page).to_have_url(stack.https_url + "system/time#location")

    await page.fill("#time-time_zone", "Europe/Stockholm")
    await page.select_option("#time-max_poll_s", "2048")
    await page.click("#time button:text('Save')")
    await expect(page).to_have_url(stack.https_url + "system/time#time")

    await page.reload()
    await expect(page.locator("#location-latitude")).to_have_value("57.7089")
    await expect(page.locator("#location-label")).to_have_value("Patrol car 12")
    await expect(page.locator("#time-time_zone")).to_have_value("Europe/Stockholm")
    await expect(page.locator("#time-max_poll_s")).to_have_value("2048")
    await expect(page.locator("#time-status")).to_contain_text("Europe/Stockholm")
    await _shot(page, "11-time-and-location")
    async with httpx.AsyncClient(verify=False) as http:
        location = await http.get(
            stack.https_url + "api/v1/system/location",
            auth=httpx.DigestAuth("root", "pass-w0rd"),
        )
    assert location.json()["heading"] == 270

    # The other settings pages show what their owners answer.
    await page.click("nav >> text=Network")
    await expect(page.locator("#network-status")).to_contain_text("Hostname")
    await _shot(page, "12-network")
    await page.click("nav >> text=Firewall and 802.1X")
    await page.fill("#rule-address", "192.0.2.0/24")
    await page.click("text=Test rules")
    await expect(page.locator("#firewall-test")).to_contain_text("unless you confirm them")
    await _shot(page, "13-firewall-test")
    await page.click("text=Confirm rules")
    await expect(page.locator("#firewall-test")).to_have_count(0)
    await expect(page.locator("#rules")).to_contain_text("192.0.2.0/24")
    for label in ("WLAN", "MQTT", "ONVIF", "BLE beacons", "Power settings"):
        await page.click(f"nav >> text={label}")
        await expect(page.locator("h1")).to_have_text(label)
    await expect(page.locator("#countdown-state")).to_be_visible()
    await page.click("nav >> text=MQTT")
    await expect(page.locator("#mqtt-state")).to_contain_text("Disconnected")
    await _shot(page, "14-mqtt")
    await context.close()


async def test_the_mqtt_port_follows_the_protocol_unless_the_installer_typed_one(
    stack: Stack, browser: Browser
) -> None:
    context, page = await _logged_in_administrator(stack, browser)
    await page.click("nav >> text=MQTT")
    port = page.locator("#client-port")
    await expect(port).to_have_value("1883")
    # The manual's defaults: TCP 1883, SSL 8883, WebSocket 80, WebSocket Secure 443.
    for protocol, default in (("ssl", "8883"), ("wss", "443"), ("ws", "80"), ("tcp", "1883")):
        await page.select_option("#client-transport", protocol)
        await expect(port).to_have_value(default)
    await page.fill("#client-port", "9001")
    await page.select_option("#client-transport", "ws")
    await expect(port).to_have_value("9001")
    await page.click("#client button:text('Save')")
    await expect(page).to_have_url(stack.https_url + "system/mqtt#client")
    await expect(page.locator("#client-transport")).to_have_value("ws")
    await expect(port).to_have_value("9001")

    # Saved with the port left empty, the mqtt service gives the new protocol's default.
    await page.select_option("#client-transport", "wss")
    await expect(port).to_have_value("9001")
    await page.fill("#client-port", "")
    await page.click("#client button:text('Save')")
    await expect(page.locator("#client-transport")).to_have_value("wss")
    await expect(port).to_have_value("443")
    await _shot(page, "15-mqtt-port-follows-protocol")
    await context.close()


async def test_the_rules_page_shows_what_may_keep_a_rule_from_working(
    stack: Stack, browser: Browser
) -> None:
    context, page = await _logged_in_administrator(stack, browser)
    await _set_direction(page, 2, "output")

    # Saved with an MQTT filter no subscription has: told at once, to whoever saved it.
    await page.click("nav >> text=Rules")
    await page.fill("#rule-name", "Siren heard")
    await page.select_option("#cond-0-type", "mqtt_stateless")
    await page.fill("#cond-0-subscription", "sirens")
    await page.select_option("#action-type", "io_once")
    await page.select_option("#action-port_id", label="Relay (output)")
    await page.fill("#action-duration_ms", "500")
    await page.click("#add-rule-save")
    await expect(page.locator("#saved-warnings")).to_contain_text(
        "no MQTT subscription has the filter 'sirens' yet"
    )
    await page.fill("#rule-name", "Window lamp")
    await page.select_option("#cond-0-type", "input")
    await page.select_option("#cond-0-port_id", label="Port 1 (input)")
    await page.select_option("#action-type", "io_while_active")
    await page.select_option("#action-port_id", label="Port 2 (output)")
    await page.click("#add-rule-save")
    await expect(page).to_have_url(stack.https_url + "events/rules")
    await expect(page.locator("#rule-2")).to_contain_text("Window lamp")
    await expect(page.locator("#rule-2-warnings")).to_have_count(0)

    # Port 2 made an input afterwards: the lamp rule's row says it cannot work any more.
    await _set_direction(page, 2, "input")
    await page.click("nav >> text=Rules")
    await expect(page.locator("#rule-2-warnings")).to_contain_text(
        "port 2 of the AXIS W401 is an input and an I/O action needs an output"
    )
    await _shot(page, "16-rules-warnings")
    await page.click("#rule-2-edit")
    await expect(page.locator("#edit-warnings")).to_contain_text("port 2 of the AXIS W401")
    await context.close()
