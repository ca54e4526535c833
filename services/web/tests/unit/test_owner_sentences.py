"""Every owner's refusal that can reach a page has Swedish: the sentences are collected from the
code (``owner_sentences.py`` says how, and which never reach a page and why), so a new sentence
written only in English fails here until ``owners.po`` gives it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from textwrap import dedent

import pytest

from actkit_web.pages.languages import LANGUAGES, use_language
from actkit_web.pages.rendering import owner_words

from .owner_sentences import VALUE, Sentence, owner_sentences

TRANSLATED = [code for code in LANGUAGES if code != "en"]


@pytest.fixture
def in_language(request: pytest.FixtureRequest) -> Iterator[str]:
    use_language(request.param)
    yield request.param
    use_language("en")


def untranslated(sentences: list[Sentence]) -> list[str]:
    """The sentences a page would show in English (each with where it is raised).

    A sentence is shown in the request's language when the catalog gives it another, and none of
    its runs of three words or more is left as the owner wrote it (half a sentence translated,
    the other half English, is not Swedish). A sentence of values alone has no words to give.
    """
    left = []
    for sentence in sentences:
        if not re.search(r"[A-Za-z]", sentence.words.replace(VALUE, "")):
            continue
        sample = sentence.sample()
        shown = owner_words(sample)
        english = [
            part.strip()
            for part in sentence.words.split(VALUE)
            if len(part.split()) >= 3 and part.strip() in str(shown)
        ]
        if shown == sample or english:
            left.append(f"{sentence.where}: {sentence.words.replace(VALUE, '{}')}")
    return left


@pytest.mark.parametrize("in_language", TRANSLATED, indirect=True)
def test_every_owner_refusal_that_can_reach_a_page_is_in_the_catalog(in_language: str) -> None:
    sentences = owner_sentences()
    assert untranslated(sentences) == [], f"add them to {in_language}/owners.po"


def test_the_collection_follows_the_owners_refusals_where_they_are_written() -> None:
    sentences = {sentence.words for sentence in owner_sentences()}
    assert "wrong user name or password" in sentences  # a module's constant
    # A sentence appended to the refusals a handler joins, made by a function (events' checks).
    assert f"{VALUE} has no port {VALUE}; its {VALUE}" in sentences
    # A port's failure the handlers pass on (syslog's test), chosen from a table of reasons.
    assert any(words.startswith("the TLS handshake with") for words in sentences)
    # The contract's validation.
    assert f"unknown field {VALUE} (known: {VALUE})" in sentences
    assert not any("ActionNotSupported" in words for words in sentences)  # ONVIF's own faults


def _write(root: Path, path: str, source: str) -> None:
    module = root / path
    module.parent.mkdir(parents=True, exist_ok=True)
    module.write_text(dedent(source))


def test_a_new_refusal_written_only_in_english_is_found(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "services/demo/actkit_demo/handlers.py",
        """
        from actkit_proto.errors import Invalid, Unavailable
        from .ports import PumpFailed

        COLD = "the frobnicator is cold"

        async def frobnicate(deps, x):
            if x:
                raise Invalid(f"the frobnicator {x} is cold; warm it first")
            refusals = []
            refusals.append(f"nozzle {x} is blocked")
            if refusals:
                raise Invalid("; ".join(refusals))
            try:
                await deps.pump.run()
            except PumpFailed as exc:
                raise Unavailable(str(exc)) from None
            raise Invalid(COLD)
        """,
    )
    _write(
        tmp_path,
        "services/demo/actkit_demo/adapters/pump.py",
        """
        from ..ports import PumpFailed, NeverCaught

        def run(pressure):
            raise PumpFailed(f"the pump lost pressure at {pressure} bar")

        def start():
            raise NeverCaught("the pump's driver is missing")
        """,
    )
    _write(
        tmp_path,
        "services/web/actkit_web/vapix/demo.py",
        """
        from actkit_proto.errors import Invalid
        raise Invalid("a CGI's own answer")
        """,
    )
    found = {sentence.words for sentence in owner_sentences(tmp_path)}
    assert found == {
        f"the frobnicator {VALUE} is cold; warm it first",
        f"nozzle {VALUE} is blocked",
        "the frobnicator is cold",
        f"the pump lost pressure at {VALUE} bar",
    }
    use_language("sv")
    try:
        assert len(untranslated(owner_sentences(tmp_path))) == 4
    finally:
        use_language("en")
