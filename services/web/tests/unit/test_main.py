"""The web's own process: what ``run`` sets before it serves."""

from __future__ import annotations

import gc
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest

from actkit_core import lifecycle
from actkit_web import main


@pytest.fixture
def threshold() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_the_web_collects_its_youngest_objects_less_often(
    threshold: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[Coroutine[Any, Any, None]] = []
    monkeypatch.setattr(lifecycle, "run", served.append)
    gc.set_threshold(700, 10, 10)
    main.run()
    served[0].close()  # not served here
    assert gc.get_threshold() == (main.YOUNG_COLLECTION_AFTER, 10, 10)
