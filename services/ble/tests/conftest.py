import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest_asyncio

from actkit_ble.handlers import HANDLERS, Deps
from actkit_ble.main import MIGRATIONS, build_deps
from actkit_ble.settings import BleSettings
from actkit_core.db import open_db
from actkit_core.lifecycle import Runtime
from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus


@pytest_asyncio.fixture
async def deps(
    fake_bus: FakeBus, tmp_db: Callable[[str], Path], clock: FakeClock
) -> AsyncIterator[Deps]:
    """The ble service as main.py builds it (sim radio), on a FakeBus and a fresh database."""
    settings = BleSettings(db_path=tmp_db(MIGRATIONS), sim_repeat_s=60)
    async with contextlib.AsyncExitStack() as stack:
        sessions = await stack.enter_async_context(open_db(settings.database))
        built = await stack.enter_async_context(
            build_deps(settings, Runtime(fake_bus, sessions))  # type: ignore[arg-type]
        )
        built.clock = clock
        await fake_bus.serve(HANDLERS, built)
        yield built
