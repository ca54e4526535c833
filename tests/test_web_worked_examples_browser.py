"""The manual's worked examples done through the dashboard alone, in Chromium, on the stack.

Ports are configured on Accessories and chosen by name in the rule form; the simulator's wiring
(Accessories' Simulator) stands in for the world. The first example, the window sensor that
lights the lamp, is tests/test_web_browser.py's
``test_the_manuals_window_sensor_lights_the_lamp_through_a_rule``; the other three are here.
"""

from __future__ import annotations

from aiosmtpd.controller import Controller
from playwright.async_api import Browser, Page, expect

from actkit_core.testing.stack import Stack, free_port

from .test_web_browser import _logged_in_administrator, _set_direction, _shot, browser, pytestmark
from .test_web_recipients_browser import Mailbox, _fill

__all__ = ["browser", "pytestmark"]

RELAY = "Relay (output)"
PRESS = "form[action='/simulator/button'] button"
SWITCH_IGNITION = "form[action='/simulator/ignition'] button"


async def _add_rule(page: Page, name: str, conditions: list[tuple[str, str | None]]) -> None:
    """Fill the Add rule form's name and conditions (type, port by name), action left to fill."""
    await page.click("nav >> text=Rules")
    await page.fill("#rule-name", name)
    for row, (kind, port) in enumerate(conditions):
        await page.select_option(f"#cond-{row}-type", kind)
        if port is not None:
            await page.select_option(f"#cond-{row}-port_id", label=port)


async def _pulse_the_relay(page: Page, duration: str) -> None:
    await page.select_option("#action-type", "io_once")
    await page.select_option("#action-port_id", label=RELAY)
    await page.fill("#action-duration_ms", duration)
    await page.click("#add-rule-save")


async def test_the_manuals_door_button_opens_the_lock_for_the_pulse(
    stack: Stack, browser: Browser
) -> None:
    context, page = await _logged_in_administrator(stack, browser)
    await _set_direction(page, 1, "input")
    await page.fill("#config-1-name", "Door button")
    await page.click("#config-1-save")
    await expect(page.locator("#port-1")).to_contain_text("Door button")

    await _add_rule(page, "Open lock", [("input", "Door button (input)")])
    await page.check("#rule-trigger")
    await _pulse_the_relay(page, "2 s")  # the manual's 10 s, shortened
    await expect(page.locator("#rule-1")).to_contain_text("Open lock")

    await page.click("nav >> text=Accessories")
    await page.select_option("#sim-1", "closed")
    await page.click("#sim-1-drive")
    await expect(page.locator("#port-9-state")).to_have_text("Active")
    await _shot(page, "50-example-lock-open")
    await expect(page.locator("#port-9-state")).to_have_text("Inactive", timeout=15_000)
    await context.close()


async def test_the_manuals_tamper_alarm_sends_an_email(stack: Stack, browser: Browser) -> None:
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
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
            },
        )
        await page.click("#recipient-save")
        await expect(page.locator("#recipient-1")).to_contain_text("Ops")

        # A tamper condition needs a supervised input.
        await _set_direction(page, 3, "input")
        await page.check("#config-3 input[name=is_supervised]")
        await page.click("#config-3-save")
        await expect(page.locator("#port-3")).to_contain_text("supervised")

        await _add_rule(page, "Tamper", [("tamper", "Port 3 (input)")])
        await page.select_option("#action-type", "notification")
        await page.select_option("#action-recipient_id", label="Ops (Email)")
        await page.fill("#action-subject", "{rule_name} on port 3")
        await page.click("#add-rule-save")
        await expect(page.locator("#rule-1")).to_contain_text("Tamper")

        await page.click("nav >> text=Accessories")
        await page.select_option("#sim-3", "cut")
        await page.click("#sim-3-drive")
        for _ in range(150):
            if mailbox.envelopes:
                break
            await page.wait_for_timeout(100)
        [envelope] = mailbox.envelopes
        assert isinstance(envelope.content, bytes)
        assert "Subject: Tamper on port 3" in envelope.content.decode()
        await context.close()
    finally:
        smtp.stop()


async def test_the_manuals_control_button_pulses_the_relay_only_with_the_ignition_on(
    stack: Stack, browser: Browser
) -> None:
    context, page = await _logged_in_administrator(stack, browser)
    await _add_rule(page, "Button with ignition", [("button", None), ("ignition", None)])
    await _pulse_the_relay(page, "1 s")
    await expect(page.locator("#rule-1")).to_contain_text("Button with ignition")

    # The ignition is off: pressing the button does not reach the relay, and the rule says why.
    await page.click("nav >> text=Accessories")
    await page.click(PRESS)
    await page.goto(stack.https_url + "events/rules/1")
    await expect(page.locator("main")).to_contain_text("the ignition is on does not hold")
    await page.click("nav >> text=Accessories")
    await expect(page.locator("#port-9-state")).to_have_text("Inactive")

    await page.select_option("#sim-ignition", "true")
    await page.click(SWITCH_IGNITION)
    await expect(page.locator("#ignition-state")).to_contain_text("On")
    await page.click(PRESS)
    await expect(page.locator("#port-9-state")).to_have_text("Active")
    await _shot(page, "51-example-button-with-ignition")
    await context.close()
