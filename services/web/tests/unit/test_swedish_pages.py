"""Every page in Swedish is wholly Swedish: each word a page shows in Swedish that it also shows in
English is one the Swedish catalogs give as Swedish (``Status``, ``Port``), or a name or a value
(``STAYS``: the stand-ins' names and records, the licences' identifiers); what a page marks as
English (``lang="en"``: the release notes), code (``<code>``) and identifiers (``translate="no"``:
Plain config's parameters) are left out."""

from __future__ import annotations

import re
from functools import cache

import httpx
import pytest
from babel.messages.pofile import read_po

from actkit_web.pages import third_party
from actkit_web.pages.languages import (
    DOMAINS,
    LANGUAGES,
    LOCALES,
    PLACEHOLDER,
    owner_sentence,
    patterns,
    use_language,
)
from actkit_web.pages.recipients import RECIPIENT_TYPES
from actkit_web.pages.rendering import MENU

from ..conftest import log_in
from .test_languages import _Words

PAGES = [
    *(href for href, _, _ in MENU),
    "/events/rules/1",
    "/events/schedules/1",
    "/events/recipients/1",
    "/events/recipients/1/copy",
    *(f"/events/recipients/new?type={kind}" for kind in RECIPIENT_TYPES),
    "/help",
    "/about",
    "/release-notes",
    "/legal",
]
"""Every page of the menus, and the pages under them (an edit page, a recipient type's form)."""


STAYS = {
    *LANGUAGES.values(),
    # The stand-ins' names and values (fake_*.py): accounts, ports, rules, certificates, networks.
    *("admin", "view", "op", "root", "ssh-root", "ssh-view", "mallory", "test"),
    *("AXIS W401 Body Worn Activation Kit", "ACCC8E012345", "AC:CC:8E:01:23:45", "Example Vendor"),
    *("Input 1", "Output 1", "Port 1", "Port 2", "Window open", "Office hours"),
    *("Dispatch", "Dispatch (HTTP)"),
    *("isrg-root-x1", "web-https", "Depot", "Guest", "eth0", "w401", "ABCD-EFGH-JKLM-NPQR"),
    *("io.port.*.changed", "io.port.*.set", "rule:1", "https://device/login/openid/callback"),
    # Records as their services wrote them (the system log, the access log) and their sources.
    *("broker refused the connection", "device started", "port 3 circuit cut", "wrong password"),
    *("accounts", "ble", "events", "io", "mqtt", "network", "system", "web", "axis", "GET"),
    *("actkit_io", "actkit_mqtt", "actkit_system", "logs.example:514", "/status"),
    # Identifiers: key types, syslog formats.
    *("ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-4096", "rfc3164", "rfc5424"),
}
"""What is the same in every language: names, values and records (a log is kept as written)."""
VALUES = re.compile(
    r"-?[\d.]+ (?:s|ms|min|dBm)|\d{4}-\d\d-\d\d [\d:]+ \(UTC\)|UTC \(UTC\+00:00\)|.+ \(CN=.+\)"
)
"""Values written the same in Swedish: times and durations, signal strength, certificates."""


def _legal_names() -> set[str]:
    """The Legal page's packages and components: names, versions, licences and files."""
    shipped = [*third_party.listed_packages(), *third_party.VENDORED]
    names = {word for one in shipped for word in (one.name, one.version, one.licence, *one.files)}
    # A licence named by its file only is said in words: the file's name stays.
    return names | {one.licence.removeprefix("in its ") for one in shipped}


@cache
def _same_in_swedish() -> frozenset[str]:
    """What the Swedish catalogs give as Swedish, whether or not it differs from the English."""
    said: set[str] = set()
    for domain in DOMAINS:
        with (LOCALES / "sv" / "LC_MESSAGES" / f"{domain}.po").open("rb") as po:
            for message in read_po(po):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                said.update(str(string) for string in strings if string)
    return frozenset(" ".join(words.split()).lower() for words in said)


@cache
def _swedish_patterns() -> tuple[re.Pattern[str], ...]:
    """The Swedish catalog's sentences with values (``%(port)s``), each value any text."""
    return tuple(
        re.compile(".+".join(re.escape(part) for part in re.split(r"%\(\w+\)s", words)), re.I)
        for words in _same_in_swedish()
        if "%(" in words
    )


def _is_swedish_or_a_value(words: str) -> bool:
    words = words.removesuffix(" · AXIS W401")
    return (
        words.lower() in _same_in_swedish()
        or words in STAYS
        or VALUES.fullmatch(words) is not None
        or any(pattern.fullmatch(words) for pattern in _swedish_patterns())
    )


class _SwedishWords(_Words):
    """A page's words, but for what it marks as English (``lang="en"``: the release notes)."""

    def __init__(self) -> None:
        super().__init__()
        self._english: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        english = ("lang", "en") in attrs and tag != "html"
        kept = english or ("translate", "no") in attrs or tag == "code"
        if (self._english and tag == self._english[0]) or kept:
            self._english.append(tag)
        if not self._english:
            super().handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self._english and tag == self._english[0]:
            self._english.pop()
        elif not self._english:
            super().handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if not self._english:
            super().handle_data(data)


def _shown(page: str) -> set[str]:
    parser = _SwedishWords()
    parser.feed(page)
    parser.close()
    return {words.partition("=")[2] if "=" in words[:12] else words for words in parser.words}


async def _english_left(client: httpx.AsyncClient, csrf: str, path: str) -> list[str]:
    await client.post("/language", data={"language": "en", "csrf_token": csrf})
    english = await client.get(path)
    await client.post("/language", data={"language": "sv", "csrf_token": csrf})
    swedish = await client.get(path)
    assert english.status_code == swedish.status_code == 200, path
    same = _shown(english.text) & _shown(swedish.text)
    return sorted(words for words in same if not _is_swedish_or_a_value(words))


@pytest.mark.parametrize("path", PAGES)
async def test_a_page_shown_in_swedish_has_no_english_left(
    client: httpx.AsyncClient, path: str
) -> None:
    csrf = await log_in(client)
    left = await _english_left(client, csrf, path)
    if path == "/legal":
        left = sorted(set(left) - _legal_names())
    assert left == []


async def test_an_owners_sentences_with_values_come_in_swedish(
    client: httpx.AsyncClient,
) -> None:
    csrf = await log_in(client)
    await client.post("/language", data={"language": "sv", "csrf_token": csrf})
    page = (await client.get("/events/rules/1")).text
    # "not active: condition 1 does not hold (value: off)": patterns within patterns, the value too.
    assert "Inte aktiv: villkor 1 gäller inte (värde: av)." in page
    assert "Window open: alla villkor gäller" in page  # the rule's name, then events' words
    refused = await client.post(
        "/system/time/location", data={"latitude": "91", "csrf_token": csrf}
    )
    assert 'id="location-latitude-error">Värdet ska vara mindre än eller lika med 90' in (
        refused.text
    )


def test_a_sentence_the_catalog_lacks_stays_as_the_owner_sent_it() -> None:
    use_language("sv")
    try:
        assert owner_sentence("digital input 3 is active") == "digital ingång 3 är aktiv"
        assert owner_sentence("a sentence nobody wrote") == "a sentence nobody wrote"
        assert owner_sentence("Input should be 'tcp', 'udp' or 'any'") == (
            "Värdet ska vara 'tcp', 'udp' eller 'any'"
        )
    finally:
        use_language("en")


def test_each_owners_sentence_with_values_keeps_them_in_swedish() -> None:
    with (LOCALES / "sv" / "LC_MESSAGES" / "owners.po").open("rb") as po:
        entries = [message for message in read_po(po) if isinstance(message.id, str)]
    with_values = [m for m in entries if PLACEHOLDER.search(m.id)]
    assert len(with_values) > 100
    for message in with_values:
        said = set(PLACEHOLDER.findall(message.id))
        assert set(PLACEHOLDER.findall(str(message.string))) == said, message.id
    assert len(patterns("sv")) == len(with_values), "each compiles"
