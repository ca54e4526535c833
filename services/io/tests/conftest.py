import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest_asyncio

from actkit_core.db import open_db
from actkit_core.lifecycle import Runtime
from actkit_core.testing.fake_bus import FakeBus
from actkit_io.handlers import HANDLERS, Deps
from actkit_io.main import MIGRATIONS, build_deps
from actkit_io.settings import IoSettings


@pytest_asyncio.fixture
async def deps(fake_bus: FakeBus, tmp_db: Callable[[str], Path]) -> AsyncIterator[Deps]:
    """The io service as main.py builds it, on a FakeBus and a fresh database."""
    settings = IoSettings(db_path=tmp_db(MIGRATIONS))
    async with contextlib.AsyncExitStack() as stack:
        sessions = await stack.enter_async_context(open_db(settings.database))
        built = await stack.enter_async_context(
            build_deps(settings, Runtime(fake_bus, sessions))  # type: ignore[arg-type]
        )
        await fake_bus.serve(HANDLERS, built)
        yield built
