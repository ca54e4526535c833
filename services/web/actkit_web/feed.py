"""Fans the bus's port events out to every live page (server-sent events)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

from actkit_proto.io import PortChanged

QUEUE_SIZE = 256


class PortFeed:
    """Each subscriber gets its own bounded queue; a slow one loses events, never the others."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[PortChanged]] = set()

    async def deliver(self, event: PortChanged) -> None:
        for queue in self._queues:
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(event)

    @contextlib.contextmanager
    def subscription(self) -> Iterator[asyncio.Queue[PortChanged]]:
        queue: asyncio.Queue[PortChanged] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)

    @property
    def subscriber_count(self) -> int:
        return len(self._queues)
