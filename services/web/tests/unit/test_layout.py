"""The README's layout and menu tables are true: every page, module and subject they name exists."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

import actkit_web
from actkit_proto.catalog import messages
from actkit_web.pages import MENU_PAGES
from actkit_web.pages.rendering import MENU

PACKAGE = Path(actkit_web.__file__).parent
README = PACKAGE.parent / "README.md"
ROW = re.compile(
    r"^\| (?P<entry>[^|]+?) \| `(?P<page>pages/\w+\.py)` \| (?P<rest>[^|]+?) "
    r"\| (?P<subjects>.+) \|$"
)
MAX_LINES = 400


def menu_rows() -> list[re.Match[str]]:
    return [row for line in README.read_text().splitlines() if (row := ROW.match(line))]


def expand(pattern: str) -> list[str]:
    """``a.{b,c}.d`` as ``a.b.d`` and ``a.c.d``; ``{id}`` (no comma) is a subject's id."""
    parts = re.split(r"(\{[^{}]*,[^{}]*\})", pattern)
    choices = [part[1:-1].split(",") if part.startswith("{") else [part] for part in parts]
    return ["".join(chosen) for chosen in itertools.product(*choices)]


def _matcher(subject: str) -> re.Pattern[str]:
    """A contract subject whose ids (``{port_id}``, ``{service}``) match any one token."""
    return re.compile(re.sub(r"\\\{[^{}]+\\\}", r"[^.]+", re.escape(subject)) + "$")


def test_every_menu_entry_has_its_row_and_every_row_its_page() -> None:
    rows = menu_rows()
    entries = [row["entry"] for row in rows if not row["entry"].startswith("(")]
    assert entries == [label for _, label, _ in MENU]
    modules = {f"pages/{module.__name__.rsplit('.', 1)[-1]}.py" for module in MENU_PAGES}
    assert {row["page"] for row in rows} == modules
    for row in rows:
        assert (PACKAGE / row["page"]).is_file(), row["page"]
        if row["rest"] != "—":
            assert (PACKAGE / row["rest"].strip("`")).is_file(), row["rest"]


@pytest.mark.parametrize("row", menu_rows(), ids=lambda row: row["entry"])
def test_the_subjects_a_row_names_are_the_contracts(row: re.Match[str]) -> None:
    known = [_matcher(message.subject) for message in messages()]
    named = re.findall(r"`([a-z0-9_.{},-]+)`", row["subjects"])
    subjects = [subject for pattern in named for subject in expand(pattern)]
    assert [s for s in subjects if not any(subject.match(s) for subject in known)] == []


def test_no_module_is_over_400_lines() -> None:
    sizes = {
        str(path.relative_to(PACKAGE)): len(path.read_text().splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    assert {name: size for name, size in sizes.items() if size > MAX_LINES} == {}
