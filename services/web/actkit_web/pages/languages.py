"""The dashboard's languages: their gettext catalogs, which one a request is shown in, and why.

Two catalogs per language under ``locales/<code>/LC_MESSAGES``: ``messages`` (the templates and
the words marked ``N_`` in the page modules, extracted by ``make translations``) and ``owners``
(the owners' sentences the pages show, keyed by the English sentence the owner sends; one that is
not in it is shown as sent, in English). An owner's sentence that names a value is kept in
``owners`` with a placeholder for it (``digital input {port} is active``): the value is taken from
the sentence the owner sent, translated in turn (``off``), and put in the Swedish sentence. The
compiled ``.mo`` files are kept beside the ``.po`` so the service needs no build step and no
Babel at run time; a test fails when they differ.
"""

from __future__ import annotations

import gettext
import re
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LANGUAGES = {"en": "English", "sv": "Svenska"}
"""The languages the dashboard is written in, by code, each named in itself (the header's menu)."""
DEFAULT_LANGUAGE = "en"
COOKIE = "actkit_language"
"""The browser's choice: set from the language menu, and from the account's preference at login."""
LOCALES = Path(__file__).parent / "locales"
DOMAINS = ("messages", "owners")

PLACEHOLDER = re.compile(r"\{(\w+)\}")
"""A value in an owner's sentence as the ``owners`` catalog writes it: ``{port}``."""

_language: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


def N_(words: str) -> str:
    """Mark words for the catalog where they are written; ``_`` translates them when shown."""
    return words


@cache
def catalog(language: str, domain: str) -> gettext.NullTranslations:
    """A language's compiled catalog; English (and a missing file) is the words as written."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.translation(domain, LOCALES, languages=[language], fallback=True)


def current_language() -> str:
    """The language the request being answered is shown in."""
    return _language.get()


def use_language(language: str) -> None:
    """Show what this request (this task) renders in ``language``, one of ``LANGUAGES``."""
    _language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def translate(words: str) -> str:
    """``words`` in the current language (the templates' ``_`` and ``{% trans %}``)."""
    # gettext("") is the catalog's header: an empty label stays empty.
    if not words:
        return words
    translated = catalog(current_language(), "messages").gettext(words)
    # Not among the pages' own words: the owners' (a contract's name for a kind, a sentence).
    return translated if translated != words else owner_sentence(words)


def translate_plural(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count`` in the current language."""
    return catalog(current_language(), "messages").ngettext(singular, plural, count)


def owner_sentence(sentence: str) -> str:
    """An owner's sentence in the current language, or as the owner sent it when not in the catalog.

    The catalog has it whole, or as a pattern with placeholders for the values it names (the
    values are translated in turn: ``does not hold (value: off)``, a condition in a reason).
    """
    if not sentence:
        return sentence
    language = current_language()
    translated = catalog(language, "owners").gettext(sentence)
    if translated != sentence or language == DEFAULT_LANGUAGE:
        return translated
    for literals, pattern, words in patterns(language):
        # Most sentences lack a pattern's own words: looking for them first is cheaper.
        found = all(part in sentence for part in literals) and pattern.fullmatch(sentence)
        if found:
            return _filled(
                words, {key: owner_sentence(value) for key, value in found.groupdict().items()}
            )
    return sentence


def _filled(words: str, values: dict[str, str]) -> str:
    """``words`` with each ``{name}`` replaced by its value."""
    return PLACEHOLDER.sub(lambda name: values.get(name[1], name[0]), words)


@cache
def patterns(language: str) -> tuple[tuple[tuple[str, ...], re.Pattern[str], str], ...]:
    """The ``owners`` entries with placeholders, the most words first.

    Each with its own words, its pattern and its translation.
    """
    # GNUTranslations keeps its entries in _catalog; there is no public way to list them.
    entries: dict[object, str] = getattr(catalog(language, "owners"), "_catalog", {})
    found = []
    for english, words in entries.items():
        if isinstance(english, str) and PLACEHOLDER.search(english):
            parts = PLACEHOLDER.split(english)
            literals = tuple(part for part in parts[::2] if part)
            regex, named = "", set()
            for index, part in enumerate(parts):
                if index % 2 == 0:
                    regex += re.escape(part)
                else:  # a value named twice is the same value twice
                    regex += f"(?P={part})" if part in named else f"(?P<{part}>.+?)"
                    named.add(part)
            found.append((literals, re.compile(regex, re.DOTALL), words))
    found.sort(key=lambda entry: -sum(len(part) for part in entry[0]))
    return tuple(found)


def chosen_language(cookie: str | None, accept_language: str | None) -> str:
    """The browser's choice (the cookie), else the first language it accepts that we have."""
    if cookie in LANGUAGES:
        return cookie
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, index, primary))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE
