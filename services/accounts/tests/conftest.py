import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio

from actkit_accounts.handlers import HANDLERS, Deps
from actkit_accounts.main import MIGRATIONS, build_deps
from actkit_accounts.settings import AccountsSettings
from actkit_core.db import open_db
from actkit_core.lifecycle import Runtime
from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.accounts import CreateFirstAdministrator

ADMIN = "root"
ADMIN_PASSWORD = "correct horse battery"

CHEAP_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 8, "argon2_parallelism": 1}
"""Argon2 at its cheapest: the same code path, milliseconds instead of a tenth of a second."""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))


@pytest.fixture
def extra_settings() -> dict[str, object]:
    """Settings a test module needs besides the defaults (override the fixture there)."""
    return {}


@pytest_asyncio.fixture
async def deps(
    fake_bus: FakeBus,
    tmp_db: Callable[[str], Path],
    clock: FakeClock,
    extra_settings: dict[str, object],
) -> AsyncIterator[Deps]:
    """The accounts service as main.py builds it, on a FakeBus, a fresh database and a clock."""
    db_path = tmp_db(MIGRATIONS)
    settings = AccountsSettings(
        db_path=db_path,
        data_dir=db_path.parent,
        **CHEAP_ARGON2,  # type: ignore[arg-type]
        **extra_settings,  # type: ignore[arg-type]
    )
    async with contextlib.AsyncExitStack() as stack:
        sessions = await stack.enter_async_context(open_db(settings.database))
        built = await stack.enter_async_context(
            build_deps(settings, Runtime(fake_bus, sessions))  # type: ignore[arg-type]
        )
        built = dataclasses.replace(built, clock=clock)
        await fake_bus.serve(HANDLERS, built)
        yield built


@pytest_asyncio.fixture
async def set_up(fake_bus: FakeBus, deps: Deps) -> Deps:
    """A device whose first administrator exists."""
    await fake_bus.request(
        CreateFirstAdministrator(name=ADMIN, password=ADMIN_PASSWORD, accept_licence=True)
    )
    return deps
