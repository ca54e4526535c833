"""Fixtures of the cross-service tests: the stack as `make run` starts it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from actkit_core.testing.forker import StackForker
from actkit_core.testing.stack import Stack, running_stack


@pytest.fixture(scope="session")
def forker() -> Iterator[StackForker]:
    """One process that has imported what ``actkit run`` preloads, forking each test's stack."""
    forker = StackForker()
    yield forker
    forker.close()


@pytest.fixture
def stack(tmp_path: Path, forker: StackForker) -> Iterator[Stack]:
    """``actkit run`` in a fresh data folder on free ports, stopped with SIGINT after.

    Forked from :func:`forker` (2 s sooner up); the test of the exec launch in ``test_stack.py``
    and core's tests of ``running_stack`` start it from its console script. Fails a test whose
    services were refused anything by nats-server: the permissions are made from the contract,
    and a gap shows as a request nobody answers.
    """
    with running_stack(tmp_path / "var", forker=forker) as running:
        yield running
        refused = [line for line in printed_since_up(running) if "permissions violation" in line]
        assert refused == [], "a service reached past its NATS permissions (make nats-conf)"


def printed_since_up(stack: Stack) -> list[str]:
    """The lines the stack printed since it came up and nobody read (its output does not block)."""
    assert stack.process.stdout is not None
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(stack.process.stdout.fileno(), 1 << 16)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace").splitlines()
