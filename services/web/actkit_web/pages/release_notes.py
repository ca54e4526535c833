"""Release notes (header): the repository's CHANGELOG.md, in Keep a Changelog form, as a page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import Response

from actkit_web.http.deps import CallerDep
from actkit_web.pages.languages import N_
from actkit_web.pages.rendering import render_page

router = APIRouter(include_in_schema=False)

PACKAGE = Path(__file__).parents[1]
CHANGELOGS = (PACKAGE / "CHANGELOG.md", PACKAGE.parents[2] / "CHANGELOG.md")
"""Where the changelog is: in the installed wheel (its build copies it in), or the source tree."""
KINDS = (N_("Added"), N_("Changed"), N_("Deprecated"), N_("Removed"), N_("Fixed"), N_("Security"))
"""Keep a Changelog's kinds of change, and its ``Unreleased`` (below): the page's words for them.
The notes themselves are written in English, and the page says so in other languages."""
UNRELEASED = N_("Unreleased")
RELEASE = re.compile(r"^## \[(?P<version>[^\]]+)\](?: - (?P<date>\d{4}-\d{2}-\d{2}))?\s*$")


@dataclass
class Release:
    """One release of the changelog: its version, date and changes by kind (Added, Fixed ...)."""

    version: str
    date: str | None
    changes: dict[str, list[str]] = field(default_factory=dict)


def read_changelog(text: str) -> list[Release]:
    """The releases of a Keep a Changelog text, newest first as written; other lines ignored."""
    releases: list[Release] = []
    kind = ""
    for line in text.splitlines():
        if found := RELEASE.match(line):
            releases.append(Release(found["version"], found["date"]))
            kind = ""
        elif line.startswith("### ") and releases:
            kind = line[4:].strip()
            releases[-1].changes[kind] = []
        elif line.startswith("- ") and releases and kind:
            releases[-1].changes[kind].append(line[2:].strip())
    return releases


@router.get("/release-notes")
async def release_notes_page(request: Request, caller: CallerDep) -> Response:
    found = next((path for path in CHANGELOGS if path.is_file()), None)
    releases = read_changelog(found.read_text()) if found else []
    return render_page(request, "release_notes.html", caller, releases=releases)
