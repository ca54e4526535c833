"""Fans bus events out to every live page (server-sent events): ports, and maintenance progress."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Generic, TypeVar

from actkit_proto.base import Event
from actkit_proto.io import PortChanged

QUEUE_SIZE = 256
E = TypeVar("E", bound=Event)


class Feed(Generic[E]):
    """Each subscriber gets its own bounded queue; a slow one loses events, never the others."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[E]] = set()

    async def deliver(self, event: E) -> None:
        for queue in self._queues:
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(event)

    @contextlib.contextmanager
    def subscription(self) -> Iterator[asyncio.Queue[E]]:
        queue: asyncio.Queue[E] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)

    @property
    def subscriber_count(self) -> int:
        return len(self._queues)


class PortFeed(Feed[PortChanged]):
    """The io service's port changes."""


class ProgressFeed(Feed[Event]):
    """The system service's upgrade and network trace progress."""
