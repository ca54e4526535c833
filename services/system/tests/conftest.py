import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from actkit_core.db import open_db
from actkit_core.lifecycle import Runtime
from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.services import SERVICE_NAMES
from actkit_proto.system import SetUpgradeSettings, UpgradeSettings
from actkit_system.adapters.sim import SimEngine, SimPower, SimTimeKeeper
from actkit_system.handlers import HANDLERS, Deps
from actkit_system.handlers.rollout.bundle import generate_key
from actkit_system.main import MIGRATIONS, build_deps
from actkit_system.settings import SystemSettings


@pytest.fixture
def power() -> SimPower:
    return SimPower()


@pytest.fixture
def engine() -> SimEngine:
    return SimEngine(SERVICE_NAMES, image="actkit:1.0.0")


@pytest.fixture
def settings(tmp_db: Callable[[str], Path], tmp_path: Path) -> SystemSettings:
    return SystemSettings(
        db_path=tmp_db(MIGRATIONS),
        data_dir=tmp_path,
        shutdown_start_delay_s=60,
        software_version="1.0.0",
        apps_update_settle_s=0,
    )


@pytest.fixture
def start(
    fake_bus: FakeBus,
    settings: SystemSettings,
    clock: FakeClock,
    power: SimPower,
    engine: SimEngine,
) -> Callable[[], contextlib.AbstractAsyncContextManager[Deps]]:
    """Start the system service as main.py builds it, on a FakeBus; may be used twice."""

    @contextlib.asynccontextmanager
    async def started() -> AsyncIterator[Deps]:
        async with contextlib.AsyncExitStack() as stack:
            sessions = await stack.enter_async_context(open_db(settings.database))
            built = await stack.enter_async_context(
                build_deps(
                    settings,
                    Runtime(fake_bus, sessions),  # type: ignore[arg-type]
                    time_keeper=SimTimeKeeper(clock),
                    power=power,
                    engine=engine,
                )
            )
            # No other service runs on a FakeBus: the engine's health check is the gate.
            built.upgrades.is_checking_bus = False
            fake_bus._dispatchers.clear()
            await fake_bus.serve(HANDLERS, built)
            yield built

    return started


@pytest_asyncio.fixture
async def deps(
    start: Callable[[], contextlib.AbstractAsyncContextManager[Deps]],
) -> AsyncIterator[Deps]:
    async with start() as built:
        yield built


@pytest.fixture
def keys(tmp_path: Path) -> tuple[bytes, str]:
    generate_key(tmp_path / "key.pem", tmp_path / "key.pub")
    return (tmp_path / "key.pem").read_bytes(), (tmp_path / "key.pub").read_text()


@pytest.fixture
def signing_key(keys: tuple[bytes, str]) -> bytes:
    """The private half of ``keys``; a device whose key file is ``tmp_path/key.pub`` trusts it."""
    return keys[0]


@pytest.fixture
async def trusting(fake_bus: FakeBus, deps: Deps, keys: tuple[bytes, str]) -> bytes:
    await fake_bus.request(SetUpgradeSettings(settings=UpgradeSettings(public_keys=[keys[1]])))
    return keys[0]


@pytest.fixture
def vendor(tmp_path: Path) -> tuple[bytes, str]:
    """An app vendor's key: the private PEM and the public PEM (not trusted until set)."""
    generate_key(tmp_path / "vendor.pem", tmp_path / "vendor.pub")
    return (tmp_path / "vendor.pem").read_bytes(), (tmp_path / "vendor.pub").read_text()
