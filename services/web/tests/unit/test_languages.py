"""The dashboard's two languages: every word of the templates marked, the Swedish catalog complete
and compiled, and the language chosen per browser and per account."""

from __future__ import annotations

import gettext
import re
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import httpx
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment

from actkit_web.pages.languages import COOKIE, DOMAINS, LANGUAGES, LOCALES, chosen_language
from actkit_web.pages.rendering import templates

from ..conftest import log_in
from ..fake_accounts import FakeAccounts

WEB = Path(__file__).parents[2]
TEMPLATES = WEB / "actkit_web" / "templates"
TRANSLATED = [code for code in LANGUAGES if code != "en"]
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
"""The attributes a person reads (a tooltip, an empty field's hint, a screen reader's name)."""
NAMES = {"actkit", "AXIS W401", "AXIS W401 ·"}
"""Names that stay as they are in every language: the software's and the product's."""
HOLE = "\ue000"
"""What stands for a Jinja expression or statement in a template's text: a value, not words."""


def _skeleton(env: Environment, source: str) -> str:
    """The template's own text, each ``{{ }}``/``{% %}`` a hole and each trans block left out."""
    out: list[str] = []
    block: list[str] = []
    in_block = in_trans = False
    for _, kind, value in env.lex(source):
        if kind == "block_begin":
            in_block, block = True, []
        elif kind == "block_end":
            in_block = False
            if block[:1] == ["trans"]:
                in_trans = True
            elif block[:1] == ["endtrans"]:
                in_trans = False
            elif not in_trans:
                out.append(HOLE)
        elif in_block and kind == "name":
            block.append(value)
        elif kind == "data" and not in_trans:
            out.append(value)
        elif kind == "variable_begin" and not in_trans:
            out.append(HOLE)
    return "".join(out)


class _Words(HTMLParser):
    """Collects the words of a page's text and shown attributes (never a script's or style's)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value:
                self._keep(f"{name}={value}", value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._keep(data, data)

    def _keep(self, shown: str, text: str) -> None:
        words = " ".join(text.replace(HOLE, " ").split())
        if re.search(r"[A-Za-z]", words) and words not in NAMES:
            self.words.append(" ".join(shown.replace(HOLE, " ").split()))


def unmarked_words(path: Path) -> list[str]:
    parser = _Words()
    parser.feed(_skeleton(templates.env, path.read_text()))
    parser.close()
    return parser.words


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_every_word_a_template_shows_is_marked_for_translation(template: Path) -> None:
    assert unmarked_words(template) == [], "wrap them in {% trans %} or _()"


def test_the_check_finds_words_left_unmarked(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        '<p>{% trans %}Marked{% endtrans %} Not marked {{ value }}</p><b title="Hint">{{ x }}</b>'
        "<script>let ok = 1;</script><p>{% if x %}{{ _('Marked') }}{% else %}Bare{% endif %}</p>"
    )
    assert unmarked_words(page) == ["Not marked", "title=Hint", "Bare"]


def _extracted() -> set[str]:
    """The words ``make translations`` extracts, as babel.cfg says, from the pages and templates."""
    with (WEB / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    return {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(WEB, method_map, options_map)
    }


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_catalog_has_every_word_translated_and_none_fuzzy(language: str) -> None:
    for domain in DOMAINS:
        with (LOCALES / language / "LC_MESSAGES" / f"{domain}.po").open("rb") as po:
            catalog = read_po(po)
        entries = [message for message in catalog if message.id]
        assert entries, f"{language}/{domain}.po is empty"
        assert [m.id for m in entries if m.fuzzy] == [], f"fuzzy in {language}/{domain}.po"
        untranslated = [
            m.id
            for m in entries
            if not (all(m.string) if isinstance(m.string, tuple | list) else m.string)
        ]
        assert untranslated == [], f"untranslated in {language}/{domain}.po"
        if domain == "messages":
            missing = _extracted() - {m.id if isinstance(m.id, str) else m.id[0] for m in entries}
            assert sorted(missing) == [], f"not in {language}/messages.po: run make translations"


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("domain", DOMAINS)
def test_the_compiled_catalog_is_the_one_written(language: str, domain: str) -> None:
    folder = LOCALES / language / "LC_MESSAGES"
    with (folder / f"{domain}.po").open("rb") as po:
        compiled = BytesIO()
        write_mo(compiled, read_po(po))
    fresh = gettext.GNUTranslations(BytesIO(compiled.getvalue()))
    with (folder / f"{domain}.mo").open("rb") as mo:
        kept = gettext.GNUTranslations(mo)
    # The header ("") carries the time it was read: the words are what must agree.
    words = {key: value for key, value in fresh._catalog.items() if key}  # type: ignore[attr-defined]
    kept_words = {key: value for key, value in kept._catalog.items() if key}  # type: ignore[attr-defined]
    assert kept_words == words, "the .mo is stale: run make translations"


@pytest.mark.parametrize(
    ("cookie", "accepted", "chosen"),
    [
        (None, None, "en"),
        (None, "sv-SE,sv;q=0.9,en;q=0.8", "sv"),
        (None, "de-DE, en;q=0.5, sv;q=0.7", "sv"),
        (None, "sv;q=0, en", "en"),
        (None, "sv;q=bad, fr", "en"),
        ("en", "sv", "en"),
        ("sv", "en", "sv"),
        ("xx", "sv", "sv"),
    ],
)
def test_the_browsers_choice_comes_first_then_the_languages_it_accepts(
    cookie: str | None, accepted: str | None, chosen: str
) -> None:
    assert chosen_language(cookie, accepted) == chosen


async def test_a_browser_that_accepts_swedish_gets_the_login_page_in_swedish(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    page = await client.get("/login", headers={"Accept-Language": "sv-SE,sv;q=0.9"})
    assert '<html lang="sv"' in page.text and "Logga in" in page.text
    english = await client.get("/login", headers={"Accept-Language": "en-GB"})
    assert '<html lang="en"' in english.text and "Log in" in english.text


async def test_the_language_menu_keeps_the_choice_in_the_browser_and_the_account(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    before_login = await client.post("/language", data={"language": "sv", "next": "/login"})
    assert before_login.status_code == 303 and before_login.headers["location"] == "/login"
    assert client.cookies[COOKIE] == "sv" and accounts.languages == {}
    csrf = await log_in(client, "view")
    refused = await client.post("/language", data={"language": "en"})
    assert refused.status_code == 403 and accounts.languages == {}
    chosen = await client.post(
        "/language", data={"language": "en", "next": "/status", "csrf_token": csrf}
    )
    assert chosen.status_code == 303 and accounts.languages == {"view": "en"}
    assert client.cookies[COOKIE] == "en"
    bad = await client.post("/language", data={"language": "xx", "csrf_token": csrf})
    assert bad.status_code == 400 and accounts.languages == {"view": "en"}


async def test_logging_in_takes_the_language_the_account_chose(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    accounts.languages["op"] = "sv"
    await client.post("/language", data={"language": "en", "next": "/login"})
    assert client.cookies[COOKIE] == "en"
    await client.post("/login", data={"name": "op", "password": "operate"})
    assert client.cookies[COOKIE] == "sv"
    page = await client.get("/status")
    assert '<html lang="sv"' in page.text and "Logga ut" in page.text


async def test_an_owners_sentence_is_shown_in_swedish_when_the_catalog_has_it(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    await client.post("/language", data={"language": "sv", "next": "/login"})
    refused = await client.post("/login", data={"name": "admin", "password": "wrong"})
    assert refused.status_code == 401
    assert "fel användarnamn eller lösenord" in refused.text.lower()


async def test_the_contracts_words_a_page_shows_come_from_the_owners_catalog(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    csrf = await log_in(client)
    await client.post("/language", data={"language": "sv", "csrf_token": csrf})
    page = (await client.get("/events/rules")).text
    assert "I/O: en digital ingång är aktiv." in page  # ConditionInput's docstring
    assert "I/O: a digital input is active." not in page


def test_a_value_translated_in_a_template_is_escaped_and_the_catalogs_markup_kept() -> None:
    page = templates.env.from_string(
        "{{ value | translated }} {% trans name=value | translated %}Hostname: <strong>{{ name }}"
        "</strong>{% endtrans %}"
    )
    assert page.render(value="<b>x</b>") == (
        "&lt;b&gt;x&lt;/b&gt; Hostname: <strong>&lt;b&gt;x&lt;/b&gt;</strong>"
    )
