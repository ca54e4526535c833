"""Rollouts on a real Docker Engine: one private dockerd and one registry for the session.

The board's containers are made afresh for each test and every container is removed after it;
the test fails when the engine still holds one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from actkit_core.bus import Bus
from actkit_proto.system import UpgradeProgressed, UpgradeStatus

from .containers import remove_all
from .engine_host import Engine, private_engine, registry
from .images import Images, build_images

TIMINGS: dict[str, float] = {}
"""What the tests measured (seconds), shown at the end of the run."""


@pytest.fixture(scope="session")
def dockerd() -> Iterator[Engine]:
    with private_engine() as engine:
        yield engine


@pytest.fixture(scope="session")
def images(dockerd: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Images]:
    with registry(tmp_path_factory.mktemp("registry")) as served:
        yield build_images(dockerd, served, tmp_path_factory.mktemp("images"))


@pytest.fixture
def engine(dockerd: Engine, images: Images) -> Iterator[Engine]:
    """The private engine with the images built; no container is left in it after the test."""
    assert dockerd.containers() == {}
    yield dockerd
    remove_all(dockerd)
    assert dockerd.containers() == {}


@pytest_asyncio.fixture
async def progress(bus: Bus) -> AsyncIterator[list[UpgradeStatus]]:
    """Every upgrade progress published on the bus, in order."""
    seen: list[UpgradeStatus] = []

    async def collect(event: UpgradeProgressed) -> None:
        seen.append(event.status)

    await bus.subscribe(UpgradeProgressed, collect)
    yield seen


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        terminalreporter.section("rollouts on dockerd (s)")
        for name, seconds in TIMINGS.items():
            terminalreporter.write_line(f"{name}: {seconds:.2f}")
