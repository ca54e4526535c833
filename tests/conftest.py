"""Fixtures of the cross-service tests: the stack as `make run` starts it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from actkit_core.testing.stack import Stack, running_stack


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """``actkit run`` in a fresh data folder on free ports, stopped with SIGINT after."""
    with running_stack(tmp_path / "var") as running:
        yield running
