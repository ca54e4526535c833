"""Timers on the running event loop and the host's clock: the real ``ports.Timers``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from actkit_core.clock import SystemClock

log = logging.getLogger(__name__)


class LoopTimers(SystemClock):
    """Schedules coroutines on the event loop; keeps their tasks so none is lost."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def call_later(
        self, delay_ms: int, callback: Callable[[], Awaitable[None]]
    ) -> asyncio.TimerHandle:
        loop = asyncio.get_running_loop()
        return loop.call_later(delay_ms / 1000, self._start, callback)

    def _start(self, callback: Callable[[], Awaitable[None]]) -> None:
        task = asyncio.ensure_future(callback())
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("timer failed", exc_info=task.exception())

    async def close(self) -> None:
        """Cancel what is still running."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
