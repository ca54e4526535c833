import contextlib
import heapq
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
import pytest_asyncio

from actkit_core.db import open_db
from actkit_core.lifecycle import Runtime
from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_io.handlers import HANDLERS, Deps
from actkit_io.handlers.deps import monotonic_ns
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
    """The test's FakeClock and calls due on it, run in order as a test advances it."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self._due: list[_Due] = []
        self._order = itertools.count()

    def now(self) -> datetime:
        return self.clock.now()

    def monotonic(self) -> float:
        return self.clock.monotonic()

    def call_later(self, delay_ms: int, callback: Callable[[], Awaitable[None]]) -> _Due:
        due = _Due(monotonic_ns(self) + delay_ms * 1_000_000, next(self._order), callback)
        heapq.heappush(self._due, due)
        return due

    async def advance(self, ms: int) -> None:
        until = monotonic_ns(self) + ms * 1_000_000
        while self._due and self._due[0].at_ns <= until:
            due = heapq.heappop(self._due)
            self._move_to(due.at_ns)
            if not due.is_cancelled:
                await due.callback()
        self._move_to(until)

    def _move_to(self, at_ns: int) -> None:
        self.clock.advance(microseconds=(at_ns - monotonic_ns(self)) // 1000)


@pytest.fixture
def timers(clock: FakeClock) -> ManualTimers:
    return ManualTimers(clock)


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
