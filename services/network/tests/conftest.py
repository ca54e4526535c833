import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from actkit_core.db import open_db
from actkit_core.lifecycle import Runtime
from actkit_core.testing.fake_bus import FakeBus
from actkit_network.handlers import HANDLERS, Deps
from actkit_network.main import MIGRATIONS, build_deps
from actkit_network.settings import NetworkSettings


class FakeClock:
    """Wall time that moves only when a test says so."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest_asyncio.fixture
async def deps(
    fake_bus: FakeBus, tmp_db: Callable[[str], Path], clock: FakeClock
) -> AsyncIterator[Deps]:
    """The network service as main.py builds it, on a FakeBus, a fresh database and sim adapters."""
    settings = NetworkSettings(db_path=tmp_db(MIGRATIONS))
    async with contextlib.AsyncExitStack() as stack:
        sessions = await stack.enter_async_context(open_db(settings.database))
        built = await stack.enter_async_context(
            build_deps(settings, Runtime(fake_bus, sessions), clock)  # type: ignore[arg-type]
        )
        await fake_bus.serve(HANDLERS, built)
        yield built
