"""The background writer of stateful events' last values: order, coalescing, retries, closing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from actkit_core import statewriter
from actkit_core.statewriter import StateWriter


class SlowStore:
    """Holds each write until the test lets it through; can fail the next writes."""

    def __init__(self) -> None:
        self.written: list[tuple[str, bytes]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.failures = 0

    async def put(self, key: str, value: bytes) -> int:
        await self.gate.wait()
        if self.failures:
            self.failures -= 1
            raise ConnectionError("nats: connection closed")
        self.written.append((key, value))
        return len(self.written)


async def test_values_are_written_in_order_and_a_key_changed_again_once_with_its_newest() -> None:
    store = SlowStore()
    store.gate.clear()
    writer = StateWriter(_returning(store))
    writer.keep("io.port.1.changed", b"on")
    await asyncio.sleep(0)  # the writer takes the first value and waits on the store
    writer.keep("io.port.2.changed", b"on")
    writer.keep("io.port.3.changed", b"on")
    writer.keep("io.port.2.changed", b"off")
    store.gate.set()
    await writer.flush()
    assert store.written == [
        ("io.port.1.changed", b"on"),
        ("io.port.3.changed", b"on"),
        ("io.port.2.changed", b"off"),
    ]


async def test_a_key_changed_while_its_value_is_written_is_written_again() -> None:
    store = SlowStore()
    store.gate.clear()
    writer = StateWriter(_returning(store))
    writer.keep("io.port.1.changed", b"on")
    await asyncio.sleep(0)  # "on" is being written
    writer.keep("io.port.1.changed", b"off")
    store.gate.set()
    await writer.flush()
    assert store.written == [("io.port.1.changed", b"on"), ("io.port.1.changed", b"off")]


async def test_keep_returns_at_once_while_the_store_is_held() -> None:
    store = SlowStore()
    store.gate.clear()
    writer = StateWriter(_returning(store))
    writer.keep("ble.broadcast.1.changed", b"active")
    flushed = asyncio.create_task(writer.flush())
    await asyncio.sleep(0)
    assert not flushed.done()
    store.gate.set()
    await flushed
    assert store.written == [("ble.broadcast.1.changed", b"active")]


async def test_a_failed_write_is_retried_until_kept(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(statewriter, "RETRY_S", 0)
    store = SlowStore()
    store.failures = 2
    writer = StateWriter(_returning(store))
    writer.keep("io.port.1.changed", b"on")
    await writer.flush()
    assert store.written == [("io.port.1.changed", b"on")]
    assert caplog.text.count("could not keep io.port.1.changed") == 2


async def test_closing_writes_what_is_pending_then_stops() -> None:
    store = SlowStore()
    writer = StateWriter(_returning(store))
    await writer.close(1.0)  # nothing was ever handed over
    writer.keep("io.port.1.changed", b"on")
    await writer.close(1.0)
    assert store.written == [("io.port.1.changed", b"on")]


async def test_closing_gives_up_on_a_store_that_never_answers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = SlowStore()
    store.gate.clear()
    writer = StateWriter(_returning(store))
    writer.keep("io.port.1.changed", b"on")
    await writer.close(0.01)
    assert "state of io.port.1.changed not kept" in caplog.text
    assert store.written == []


def _returning(store: SlowStore) -> Callable[[], Awaitable[SlowStore]]:
    async def get() -> SlowStore:
        return store

    return get
