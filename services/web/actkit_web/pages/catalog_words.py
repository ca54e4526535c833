"""What ``make translations`` extracts from the page modules besides what ``N_`` marks (babel.cfg).

Used by pybabel only: Babel is a development tool here, the service never imports this module.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from io import BytesIO
from typing import IO, Any

from babel.messages.extract import extract_python


def extract_words(
    source: IO[bytes], _keywords: object, _comment_tags: object, **_options: object
) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel's extractor for a module of words kept as data (``manual_words``).

    Every string a dict maps to, and every choice's label (a pair's second string); keys and
    values stay out.
    """
    tree = ast.parse(source.read())
    for node in ast.walk(tree):
        found: list[ast.expr] = []
        if isinstance(node, ast.Dict):
            found = [value for value in node.values if value is not None]
        elif isinstance(node, ast.Tuple) and len(node.elts) == 2:
            found = [node.elts[1]]
        for words in found:
            if isinstance(words, ast.Constant) and isinstance(words.value, str) and words.value:
                yield words.lineno, None, words.value, []


WORDED_CALLS = {"SettingsPage": (1, 2), "SettingsForm": (1, 4)}
"""The calls whose string arguments a page shows: a System page's title and introduction, and
each form's (by position; ``intro`` by name too)."""


# Babel's extractor protocol: its keyword specs and options are Babel's to read.
def extract_pages(
    source: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str], **options: Any
) -> Iterator[tuple[Any, ...]]:
    """Babel's extractor for the page modules.

    What ``N_`` and ``_`` mark, as Babel's own Python extractor finds it, and the titles and
    introductions of the System settings pages.
    """
    text = source.read()
    yield from extract_python(BytesIO(text), keywords, comment_tags, options)  # type: ignore[arg-type]
    for node in ast.walk(ast.parse(text)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        positions = WORDED_CALLS.get(node.func.id, ())
        found = [node.args[i] for i in positions if i < len(node.args)]
        found += [keyword.value for keyword in node.keywords if keyword.arg == "intro"]
        for words in found:
            if isinstance(words, ast.Constant) and isinstance(words.value, str) and words.value:
                yield words.lineno, None, words.value, []
