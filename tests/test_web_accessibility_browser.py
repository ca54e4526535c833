"""Every page of the dashboard's menus in Chromium, in each language, light and dark, scanned
by axe-core.

axe-core (npm, installed by ``make setup`` from tests/accessibility/package-lock.json) is
injected into each page as an administrator sees it; a serious or critical violation fails the
test. Every violation found, of any impact, is written to test-artifacts/accessibility.json,
and each page's screenshot beside it (``a11y-<language>-<theme>-<page>.png``).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from actkit_core.testing.stack import Stack
from actkit_web.pages.languages import COOKIE, LANGUAGES

from .test_web_browser import ARTIFACTS, _logged_in_administrator, _shot, browser
from .test_web_browser import pytestmark as browser_marks

__all__ = ["browser"]

pytestmark = [pytest.mark.timeout(900), *browser_marks]  # the first timeout counts

AXE = Path(__file__).parent / "accessibility" / "node_modules" / "axe-core" / "axe.min.js"
FAILING = frozenset({"serious", "critical"})
HEADER_LINKS = ("#help-link", "#release-notes-link", "#about-link", "#legal-link")


async def _menu_entries(page: Page) -> list[str]:
    """The paths of every main menu entry and of the header's and context menu's pages."""
    await expect(page.locator("#main-menu nav a").first).to_be_attached()
    entries: list[str] = await page.locator("#main-menu nav a").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    for link in HEADER_LINKS:
        href = await page.locator(link).get_attribute("href")
        assert href is not None, link
        entries.append(href)
    return list(dict.fromkeys(entries))


async def _violations(page: Page, axe: str) -> list[dict[str, Any]]:
    # Evaluated, not added as a script tag: the dashboard's CSP allows only its own scripts.
    await page.evaluate(axe)
    found: list[dict[str, Any]] = await page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map(violation => ({
                id: violation.id,
                impact: violation.impact,
                help: violation.help,
                nodes: violation.nodes.map(node => ({
                    target: node.target.join(" "),
                    summary: node.failureSummary,
                })),
            }));
        }"""
    )
    return found


async def test_every_menu_page_in_each_language_and_theme_has_no_serious_a11y_violation(
    stack: Stack, browser: Browser
) -> None:
    assert AXE.exists(), "axe-core is missing: run make setup"
    axe = AXE.read_text()
    context, page = await _logged_in_administrator(stack, browser)
    entries = await _menu_entries(page)
    assert len(entries) > 20, entries
    report: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for language, theme in itertools.product(LANGUAGES, ("light", "dark")):
        await context.add_cookies([{"name": COOKIE, "value": language, "url": stack.https_url}])
        await page.evaluate("theme => localStorage.setItem('actkit-theme', theme)", theme)
        for entry in entries:
            await page.goto(stack.https_url + entry.lstrip("/"))
            assert await page.evaluate("document.documentElement.dataset.theme") == theme
            assert await page.evaluate("document.documentElement.lang") == language
            seen = f"{language}-{theme}"
            report.setdefault(seen, {})[entry] = await _violations(page, axe)
            await _shot(page, f"a11y-{seen}-{entry.strip('/').replace('/', '-') or 'root'}")
    await context.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "accessibility.json").write_text(json.dumps(report, indent=2) + "\n")
    failing = [
        f"{seen} {entry}: {violation['id']} ({violation['impact']}) {violation['help']} at "
        + ", ".join(node["target"] for node in violation["nodes"])
        for seen, pages in report.items()
        for entry, violations in pages.items()
        for violation in violations
        if violation["impact"] in FAILING
    ]
    assert failing == []
