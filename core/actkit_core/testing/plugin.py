"""The actkit pytest plugin: a real nats-server per test, a client bus, FakeBus, a fake clock, DBs.

Tests under an ``integration/`` folder are marked ``integration``; the root ``tests/`` are
marked ``stack``.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError

from actkit_core.bus import Bus
from actkit_core.db import migrate
from actkit_core.natsserver import NatsServer
from actkit_core.testing.clock import FakeClock
from actkit_core.testing.dbus import dbus_daemon  # noqa: F401 - a fixture, registered here
from actkit_core.testing.fake_bus import FakeBus
from actkit_core.testing.mosquitto import mosquitto, mqtt_peer  # noqa: F401  (fixtures)

ServiceMain = Callable[..., Any]
KIT_AND_TESTS = ("core", "proto", "tests")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by the folder they live in (``board``: on a real Docker Engine)."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "board" in parts:
            item.add_marker(pytest.mark.board)
        elif "integration" in parts:
            item.add_marker(pytest.mark.integration)
        # A folder inside tests/ (tests/radios) is a suite of its own, not the stack's.
        elif "tests" in parts and "services" not in parts and parts[-3] not in KIT_AND_TESTS:
            item.add_marker(pytest.mark.stack)


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[str]:
    """A real nats-server with JetStream, on a free port, for this test only; yields its URL."""
    server = NatsServer(store_dir=tmp_path / "nats")
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


@pytest_asyncio.fixture
async def bus(nats_server: str) -> AsyncIterator[Bus]:
    """A client bus connected to the test's nats-server."""
    async with Bus.connect("test", servers=[nats_server]) as client:
        yield client


@pytest.fixture
def fake_bus() -> FakeBus:
    """An in-memory bus that records what is published."""
    return FakeBus()


@pytest.fixture
def clock() -> FakeClock:
    """Time that moves only when the test says; a conftest may override it to start elsewhere."""
    return FakeClock()


@pytest.fixture(scope="session")
def _migrated_templates() -> dict[str, Path]:
    return {}


@pytest.fixture
def tmp_db(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    _migrated_templates: dict[str, Path],
) -> Callable[[str], Path]:
    """``tmp_db("actkit_io:migrations")``: a fresh database at head, copied from a template.

    The migrations run once per session per service; each test gets its own copy.
    """

    def make(script_location: str) -> Path:
        template = _migrated_templates.get(script_location)
        if template is None:
            folder = tmp_path_factory.mktemp("db-template")
            template = folder / "template.db"
            migrate(script_location, template)
            _migrated_templates[script_location] = template
        copy = tmp_path / f"{script_location.split(':')[0]}.db"
        shutil.copy(template, copy)
        return copy

    return make


async def _answering(settings: Any, timeout_s: float = 5.0) -> None:
    """Wait until a second connection gets an answer from the service, as a client would.

    ``Bus.serve`` flushes its subscriptions before the service says it is ready, yet under
    load a first request has been seen to find no responder; tests start only once one answers.
    """
    async with Bus.connect("readiness", **settings.nats_options()) as probe:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            try:
                await probe.client.request(f"$SRV.PING.{settings.service}", b"", timeout=0.5)
                return
            except (NoRespondersError, NatsTimeoutError):
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.01)


@asynccontextmanager
async def running(main: ServiceMain, settings: Any) -> AsyncIterator[None]:
    """Run a service's ``serve(settings, ready=...)`` as a task until the block ends."""
    ready = asyncio.Event()
    task = asyncio.create_task(main(settings, ready=ready))
    waiter = asyncio.create_task(ready.wait())
    done, _ = await asyncio.wait({task, waiter}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        waiter.cancel()
        task.result()
    if waiter not in done:
        task.cancel()
        waiter.cancel()
        raise TimeoutError(f"{settings.service} did not become ready")
    await _answering(settings)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
