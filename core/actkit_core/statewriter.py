"""Keep the last value of each stateful event in the KV bucket without making its publisher wait."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from actkit_core.tasks import stop_task

log = logging.getLogger(__name__)

RETRY_S = 0.5
"""Pause after a failed write before the next attempt (the value is kept until written)."""


class Store(Protocol):
    """Where values are kept: the part of a JetStream ``KeyValue`` used here."""

    async def put(self, key: str, value: bytes) -> int:
        """Keep ``value`` as the last value of ``key``."""


class StateWriter:
    """Writes kept values in the background, in order, newest value of each key only.

    A stateful event goes out on the bus first; keeping it as the current state is a JetStream
    write that now and then waits on the server's periodic sync to disk (a second has been
    seen). The publisher hands the value over and goes on; one task writes the values in the
    order they came, and a key that changed again before its turn is written once, with its
    newest value (the bucket keeps one value a key anyway). A failed write is retried until it
    succeeds or a newer value replaces it. :meth:`flush` waits until everything handed over is
    written: a service reading the state through the same bus reads what it published.
    """

    def __init__(self, store: Callable[[], Awaitable[Store]]) -> None:
        self._store = store
        self._pending: dict[str, bytes] = {}
        self._written = asyncio.Event()
        self._written.set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def keep(self, key: str, value: bytes) -> None:
        """Write ``value`` as ``key``'s last value soon, after what was handed over before."""
        self._pending.pop(key, None)
        self._pending[key] = value
        self._written.clear()
        self._wake.set()
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="state-writer")

    async def flush(self) -> None:
        """Wait until every value handed over so far is written."""
        await self._written.wait()

    async def close(self, timeout_s: float) -> None:
        """Write what is pending (for at most ``timeout_s``), then stop."""
        if self._task is None:
            return
        try:
            await asyncio.wait_for(self.flush(), timeout_s)
        except TimeoutError:
            log.warning("state of %s not kept: the bucket did not answer", ", ".join(self._pending))
        await stop_task(self._task)
        self._task = None

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                key, value = next(iter(self._pending.items()))
                try:
                    await (await self._store()).put(key, value)
                except Exception as exc:  # any failure: keep the value and try again
                    log.warning("could not keep %s as the current state: %s", key, exc)
                    await asyncio.sleep(RETRY_S)
                    continue
                if self._pending.get(key) is value:
                    del self._pending[key]
            self._written.set()
