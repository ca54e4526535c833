"""The frame of every page (main menu, user and context menus, help link) and the header's pages:
help, release notes, legal and about."""

from __future__ import annotations

import html
import re
from pathlib import Path

import httpx
import pytest
from markupsafe import escape

from actkit_web.pages import third_party
from actkit_web.pages.help import TOPICS
from actkit_web.pages.release_notes import CHANGELOGS, read_changelog
from actkit_web.pages.rendering import MAIN_MENU, MENU, MenuNode

from ..conftest import log_in
from ..fake_maintenance import FakeSystem

VENDOR = Path(third_party.__file__).parents[1] / "static" / "vendor"


def _paths(nodes: tuple[MenuNode, ...]) -> list[str]:
    found: list[str] = []
    for node in nodes:
        heading, below = (node, ()) if isinstance(node, str) else node
        found += [heading] if heading.startswith("/") else []
        found += _paths(below)
    return found


def test_every_page_of_the_menu_has_one_place_in_the_main_menu() -> None:
    placed = _paths(MAIN_MENU)
    assert len(placed) == len(set(placed))
    assert {href for href, _, _ in MENU} <= set(placed)


def _menu(page: str) -> str:
    return page[page.index('<nav aria-label="Main menu">') : page.index("</nav>")]


async def test_the_main_menu_is_grouped_as_the_manual_and_marks_the_page(
    client: httpx.AsyncClient,
) -> None:
    await log_in(client)
    page = (await client.get("/events/recipients/1")).text
    menu = _menu(page)
    order = [
        "Status",
        "System",
        "Time and location",
        "Network",
        "Security",
        "Certificates",
        "Accounts",
        "OpenID",
        "Events",
        "Rules",
        "Recipients",
        "MQTT",
        "Accessories",
        "Logs",
        "Maintenance",
    ]
    places = [menu.index(f">{label}<") for label in order]
    assert places == sorted(places)
    assert '<a href="/events/recipients" aria-current="page">Recipients</a>' in menu
    assert menu.count('aria-current="page"') == 1
    assert 'id="help-link"' in page and 'href="/help/recipients"' in page


async def test_a_viewer_sees_only_the_pages_of_a_viewer_and_no_empty_group(
    client: httpx.AsyncClient,
) -> None:
    await log_in(client, "view")
    page = (await client.get("/status")).text
    menu = _menu(page)
    assert ">Rules<" in menu and ">Status<" in menu
    assert ">Accounts<" not in menu and ">Certificates<" not in menu
    assert ">Maintenance<" not in menu
    assert 'id="user-menu"' in page and "Logged in as <strong>view</strong>, viewer" in page
    assert 'id="change-account"' in page and 'id="log-out"' in page
    assert 'href="/legal"' in page and 'href="/about"' in page
    assert 'id="language-menu"' in page and 'lang="en"' in page


async def test_change_account_logs_out_and_goes_to_the_login_page(
    client: httpx.AsyncClient,
) -> None:
    csrf = await log_in(client)
    changed = await client.post("/logout", data={"csrf_token": csrf})
    assert (changed.status_code, changed.headers["location"]) == (303, "/login")
    assert (await client.get("/status")).status_code == 303


@pytest.mark.parametrize("topic", sorted(TOPICS))
async def test_every_menu_entry_has_its_help(client: httpx.AsyncClient, topic: str) -> None:
    await log_in(client)
    href, label = TOPICS[topic]
    page = await client.get(f"/help/{topic}")
    assert page.status_code == 200
    article = page.text[page.text.index('<article class="card help-topic"') :]
    article = article[: article.index("</article>")]
    assert len(re.sub(r"<[^>]+>", "", article).split()) >= 30, "say more than a line"
    assert f'<a href="{href}" id="help-back">Go to {html.escape(label)}</a>' in page.text


async def test_an_unknown_help_topic_lists_the_topics(client: httpx.AsyncClient) -> None:
    await log_in(client)
    page = await client.get("/help/nothing-here")
    assert page.status_code == 404
    assert 'There is no help topic "nothing-here"' in page.text
    assert page.text.count('<li><a href="/help/') == len(TOPICS)


async def test_about_tells_the_identity_the_system_service_answers(
    client: httpx.AsyncClient, system: FakeSystem
) -> None:
    await log_in(client, "view")
    page = (await client.get("/about")).text
    assert '<dd id="about-version">1.0.0</dd>' in page
    assert '<dd id="about-serial">ACCC8E012345</dd>' in page
    assert '<dd id="about-model">AXIS W401</dd>' in page
    system.upgrade = system.upgrade.model_copy(update={"version": "1.1.0"})
    assert '<dd id="about-version">1.1.0</dd>' in (await client.get("/about")).text


def test_the_listed_python_packages_are_the_ones_the_lock_ships() -> None:
    shipped = third_party.shipped_packages()
    names = {package.name for package in shipped}
    assert {"fastapi", "nats-py", "pydantic", "sqlalchemy"} <= names
    assert not names & {"pytest", "ruff", "mypy", "playwright", "hypothesis"}, "dev tools"
    assert not any(name.startswith("actkit") for name in names)
    stale = "third_party.json is stale: run make licences"
    assert third_party.LISTED.read_text() == third_party.listing(shipped), stale


def test_every_vendored_file_is_listed_with_its_component() -> None:
    listed = {file for component in third_party.VENDORED for file in component.files}
    assert {path.name for path in VENDOR.iterdir()} == listed


async def test_legal_lists_the_cookies_and_every_component(client: httpx.AsyncClient) -> None:
    await log_in(client, "view")
    page = (await client.get("/legal")).text
    assert "<code>actkit_session</code>" in page
    for component in [*third_party.VENDORED, *third_party.listed_packages()]:
        row = f"<td>{html.escape(component.name)}</td><td>{component.version}</td>"
        assert row in page, component.name
    assert '<a href="/static/vendor/htmx-LICENSE">htmx-LICENSE</a>' in page


def test_the_changelog_reads_as_releases_of_kinds_of_change() -> None:
    text = "# Changelog\n\n## [Unreleased]\n### Added\n- A\n- B\n\n## [0.1.0] - 2026-11-25\n"
    text += "### Fixed\n- C\nloose line\n"
    releases = read_changelog(text)
    assert [(r.version, r.date, r.changes) for r in releases] == [
        ("Unreleased", None, {"Added": ["A", "B"]}),
        ("0.1.0", "2026-11-25", {"Fixed": ["C"]}),
    ]


async def test_release_notes_show_the_changelog_of_the_repository(
    client: httpx.AsyncClient,
) -> None:
    await log_in(client, "view")
    page = (await client.get("/release-notes")).text
    releases = read_changelog(CHANGELOGS[1].read_text())
    assert releases and releases[0].version == "Unreleased"
    for release in releases:
        assert f'id="release-{release.version.lower()}"' in page
    first = next(iter(releases[0].changes.values()))[0]
    assert f"<li>{escape(first)}</li>" in page
