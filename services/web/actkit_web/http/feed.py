"""Fans bus events out to every live page (server-sent events): ports, and maintenance progress."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Generic, TypeVar

from starlette.requests import Request
from starlette.responses import StreamingResponse

from actkit_proto.base import Event
from actkit_proto.io import PortChanged

QUEUE_SIZE = 256
KEEPALIVE_S = 15.0
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


def server_sent_event(name: str, html: str) -> str:
    """One server-sent event carrying an HTML fragment (htmx's ``sse-swap`` puts it in place)."""
    data = "".join(f"data: {line}\n" for line in html.splitlines())
    return f"event: {name}\n{data}\n"


def live_response(
    request: Request,
    feed: Feed[E],
    first: Iterable[str],
    render: Callable[[E], str | None],
) -> StreamingResponse:
    """Server-sent events: ``first`` (the state of now), then each event ``render`` renders.

    A keep-alive comment goes out when nothing happens for a while.
    """

    async def stream() -> AsyncIterator[str]:
        with feed.subscription() as queue:
            for now in first:
                yield now
            while not await request.is_disconnected():
                try:
                    event = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                rendered = render(event)
                if rendered is not None:
                    yield rendered

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"}
    )
