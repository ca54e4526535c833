"""The dashboard in Swedish in Chromium: chosen from the language menu, kept by the account, and
every page of the menus walked in the light and the dark theme, each one kept as a screenshot
under test-artifacts/."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from playwright.async_api import Browser, Page, expect

from actkit_core.testing.stack import Stack
from actkit_web.pages.languages import DOMAINS, LOCALES

from .test_web_accessibility_browser import _menu_entries
from .test_web_browser import _logged_in_administrator, _shot, browser
from .test_web_browser import pytestmark as browser_marks

__all__ = ["browser"]

pytestmark = [*browser_marks, pytest.mark.timeout(900)]

ENGLISH_FRAME = ("Log out", "Change account", "Release notes", "Theme", "Main menu")
"""The frame's own words in English: none of them may be left on a page shown in Swedish."""


def _swedish_words() -> set[str]:
    with (LOCALES / "sv" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {str(message.string) for message in read_po(po) if message.id}


def _english_only() -> set[str]:
    """The catalogs' English words and sentences that are not the same in Swedish."""
    found = set()
    for domain in DOMAINS:
        with (LOCALES / "sv" / "LC_MESSAGES" / f"{domain}.po").open("rb") as po:
            found |= {
                " ".join(message.id.split())
                for message in read_po(po)
                if isinstance(message.id, str) and message.id and message.string != message.id
            }
    return found


TEXTS = """() => {
    const SKIPPED = "script, style, code, [lang='en'], [translate='no'], table.log td";
    const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (!parent || parent.closest(SKIPPED)) continue;
        const text = node.textContent.replace(/\\s+/g, " ").trim();
        if (text) texts.push(text);
    }
    return texts;
}"""
"""Each text the page shows (hidden ones too: a form's other fields), but what it marks English or
not to translate (identifiers: Plain config's parameters) and the records of a log (kept as their
services wrote them)."""


async def _is_in_swedish(page: Page, swedish: set[str], english: set[str]) -> str:
    """The page's heading, after checking the page says it is Swedish, its frame is, and it shows
    none of the catalogs' English (a word left untranslated, as the owners or the pages wrote it).
    """
    assert await page.evaluate("document.documentElement.lang") == "sv"
    header = await page.locator("header").inner_text()
    assert [words for words in ENGLISH_FRAME if words in header] == []
    shown: list[str] = await page.evaluate(TEXTS)
    assert [text for text in shown if text in english] == [], page.url
    heading = " ".join((await page.locator("h1").first.inner_text()).split())
    # A heading is the catalog's Swedish, or made from it with a value (Hjälp: Regler).
    assert heading in swedish or any(heading.startswith(f"{words}:") for words in swedish), heading
    return heading


async def test_every_page_in_swedish_in_both_themes_and_the_account_keeps_the_choice(
    stack: Stack, browser: Browser
) -> None:
    swedish, english_only = _swedish_words(), _english_only()
    context, page = await _logged_in_administrator(stack, browser)
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await page.click("#language-menu > summary")
    await page.click("#language-sv")
    await expect(page).to_have_url(stack.https_url + "status")
    await expect(page.locator("html")).to_have_attribute("lang", "sv")
    await expect(page.locator("#language-menu > summary")).to_have_text("Svenska")
    await expect(page.locator("#log-out")).to_have_text("Logga ut")

    entries = await _menu_entries(page)
    assert len(entries) > 20, entries
    headings: dict[str, str] = {}
    for theme in ("light", "dark"):
        await page.evaluate("theme => localStorage.setItem('actkit-theme', theme)", theme)
        for entry in entries:
            await page.goto(stack.https_url + entry.lstrip("/"))
            assert await page.evaluate("document.documentElement.dataset.theme") == theme
            headings[entry] = await _is_in_swedish(page, swedish, english_only)
            slug = re.sub(r"[^a-z0-9]+", "-", entry.lower()).strip("-") or "home"
            await _shot(page, f"sv-{theme}-{slug}")
    assert headings["/events/rules"] == "Regler" and headings["/maintenance"] == "Underhåll"

    # An owner's refusal on a page comes in Swedish where the catalog has its sentence.
    await page.goto(stack.https_url + "system/mqtt")
    await page.click("form[action='/system/mqtt/connect'] button")
    await expect(page.get_by_text("en värd krävs för att ansluta")).to_be_visible()
    await _shot(page, "sv-owner-refusal")
    await context.close()

    # Another browser that asks for English: logging in, the account's Swedish comes back.
    english = await browser.new_context(ignore_https_errors=True, locale="en-US")
    page = await english.new_page()
    await page.goto(stack.https_url + "login")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await page.fill("#name", "root")
    await page.fill("#password", "pass-w0rd")
    await page.click("button:text('Log in')")
    await expect(page).to_have_url(stack.https_url + "status")
    await expect(page.locator("html")).to_have_attribute("lang", "sv")
    await _shot(page, "sv-login-keeps-the-accounts-language")
    await english.close()
