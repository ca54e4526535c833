"""Why didn't it fire, in headless Chromium on the stack: a rule that does not fire says on its
page which condition does not hold and why; once it holds, the rule fires, its beacon is listed
on the BLE page, its log shows the activation, and Accessories shows the ignition and the LED."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, Page, expect

from actkit_core.testing.eventually import eventually
from actkit_core.testing.stack import Stack

from .test_web_browser import _logged_in_administrator, _shot, browser, pytestmark

__all__ = ["browser", "pytestmark"]

LIGHTBAR = {
    "name": "Lightbar to cameras",
    "conditions": [{"type": "input", "port_id": 1}, {"type": "ignition"}],
    "action": {"type": "ble_broadcast", "system_id": 4242, "message_type": 1},
}


async def _simulate(
    page: Page, stack: Stack, *, port_1: str | None = None, ignition: str = ""
) -> None:
    """Drive the simulated wiring from the Accessories page, as an installer would."""
    await page.goto(stack.https_url + "accessories")
    if port_1 is not None:
        await page.select_option("#sim-1", port_1)
        await page.click("#sim-1-drive")
        await expect(page).to_have_url(stack.https_url + "accessories")
    if ignition:
        await page.select_option("#sim-ignition", ignition)
        await page.click("#simulator form[action='/simulator/ignition'] button")
        await expect(page).to_have_url(stack.https_url + "accessories")


async def _shows(page: Page, url: str, selector: str, text: str) -> None:
    """Load ``url`` until ``selector`` holds ``text``: the owners act on the bus, not at once."""

    async def shown() -> bool:
        await page.goto(url)
        return text in (await page.locator(selector).inner_text())

    await eventually(shown, timeout_s=30, interval_s=0.2)


async def test_a_rule_that_does_not_fire_says_which_condition_does_not_hold_and_why(
    stack: Stack, browser: Browser
) -> None:
    context, page = await _logged_in_administrator(stack, browser)
    async with httpx.AsyncClient(verify=False, auth=("root", "pass-w0rd")) as http:
        created = await http.post(stack.https_url + "api/v1/rules", json=LIGHTBAR)
        assert created.status_code == 201, created.text
    rule_id = created.json()["rule_id"]
    rule_url = f"{stack.https_url}events/rules/{rule_id}"

    # The input is active, the ignition is off: the rule does not fire, and says why. The
    # ignition is switched on and off first, so that the engine has seen it off (it may have
    # started before io told the ignition's state: "unknown" then, which the trace says too).
    await _simulate(page, stack, ignition="true")
    await _simulate(page, stack, ignition="false")
    await _simulate(page, stack, port_1="closed")
    await _shows(page, rule_url, "#trace-condition-1", "holds (value: on)")
    await _shows(page, rule_url, "#trace-condition-2", "does not hold (value: off)")
    await page.goto(stack.https_url + "events/rules")
    await page.click(f"#rule-{rule_id}-why")
    await expect(page.locator("#trace-reason")).to_have_text(
        "Not active: the ignition is on does not hold (value: off)."
    )
    await expect(page.locator("#trace-condition-1")).to_contain_text("digital input 1 is active")
    await expect(page.locator("#trace-condition-1")).to_contain_text("Yes: holds (value: on)")
    await expect(page.locator("#trace-condition-2")).to_contain_text("the ignition is on")
    await expect(page.locator("#trace-condition-2")).to_contain_text(
        "No: does not hold (value: off)"
    )
    await expect(page.locator("#trace-last-activation")).to_contain_text("None since")
    await _shot(page, "60-rule-why-not")
    await page.goto(stack.https_url + "system/ble")
    await expect(page.locator("#broadcasts-none")).to_be_visible()

    # The ignition on: the rule fires, its beacon is sent, its log says so.
    await _simulate(page, stack, ignition="true")
    await _shows(page, rule_url, "#trace-reason", "Active: every condition holds")
    await expect(page.locator("#trace-condition-2")).to_contain_text("Yes: holds (value: on)")
    await expect(page.locator("#event-log-entries")).to_contain_text(
        "Lightbar to cameras: every condition holds"
    )
    await _shot(page, "61-rule-why-active")
    await _shows(page, stack.https_url + "system/ble", "#broadcasts", "4242")
    await expect(page.locator("#broadcast-4242")).to_contain_text("(lightbar active)")
    await expect(page.locator("#broadcast-4242")).to_contain_text(f"rule:{rule_id}")
    await _shot(page, "62-ble-broadcasts")

    await page.goto(stack.https_url + "accessories")
    await expect(page.locator("#ignition-state")).to_have_text("On")
    await expect(page.locator("#led-state")).to_have_text("Green")
    await context.close()
