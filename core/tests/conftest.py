"""Fixtures of the kit's own tests."""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder other users may pass through and write to, owned by this process' user.

    pytest's own folders are for their owner only: the unprivileged user a test takes on as root
    (nobody) could not reach anything in them.
    """
    folder = Path(tempfile.mkdtemp(prefix="actkit-open-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


@pytest.fixture
def keep_logging() -> Iterator[None]:
    """``main`` configures the root logger for the command; put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
