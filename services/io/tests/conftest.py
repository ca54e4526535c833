import contextlib
import heapq
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio

from actkit_core.db import open_db
from actkit_core.lifecycle import Runtime
from actkit_core.testing.fake_bus import FakeBus
from actkit_io.handlers import HANDLERS, Deps
from actkit_io.main import MIGRATIONS, build_deps
from actkit_io.settings import IoSettings

from .fake_gpiochip import FakeChips

BOARDS = Path(__file__).resolve().parents[3] / "deploy" / "boards"


@dataclass(order=True)
class _Due:
    at_ns: int
    order: int
    callback: Callable[[], Awaitable[None]] = field(compare=False)
    is_cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.is_cancelled = True


class ManualTimers:
    """Time that only moves when a test says so; due callbacks run in order."""

    def __init__(self) -> None:
        self._now_ns = 1_000_000_000
        self._due: list[_Due] = []
        self._order = itertools.count()

    def now_ns(self) -> int:
        return self._now_ns

    def call_later(self, delay_ms: int, callback: Callable[[], Awaitable[None]]) -> _Due:
        due = _Due(self._now_ns + delay_ms * 1_000_000, next(self._order), callback)
        heapq.heappush(self._due, due)
        return due

    async def advance(self, ms: int) -> None:
        until = self._now_ns + ms * 1_000_000
        while self._due and self._due[0].at_ns <= until:
            due = heapq.heappop(self._due)
            self._now_ns = due.at_ns
            if not due.is_cancelled:
                await due.callback()
        self._now_ns = until


@pytest.fixture
def timers() -> ManualTimers:
    return ManualTimers()


@pytest.fixture
def settings(tmp_db: Callable[[str], Path]) -> IoSettings:
    return IoSettings(db_path=tmp_db(MIGRATIONS), board=BOARDS / "w401.toml")


@pytest_asyncio.fixture
async def deps(
    fake_bus: FakeBus, settings: IoSettings, timers: ManualTimers
) -> AsyncIterator[Deps]:
    """The io service as main.py builds it, on a FakeBus, a fresh database and manual time."""
    async with contextlib.AsyncExitStack() as stack:
        sessions = await stack.enter_async_context(open_db(settings.database))
        built = await stack.enter_async_context(
            build_deps(settings, Runtime(fake_bus, sessions), timers)  # type: ignore[arg-type]
        )
        await fake_bus.serve(HANDLERS, built)
        fake_bus.published.clear()
        yield built


@pytest.fixture
def chips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeChips]:
    """GPIO chips faked at periphery's ioctl boundary."""
    fake = FakeChips(tmp_path)
    monkeypatch.setattr("periphery.gpio_cdev2.fcntl", fake.shim())
    yield fake
    fake.close()
