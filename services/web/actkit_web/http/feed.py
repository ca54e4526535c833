"""Fans bus events out to every live page (server-sent events): ports, and maintenance progress.

A feed holds its bus subscription through an :class:`Interest`: the first of its subscribers
subscribes (the port feed's, web's only one to io's port changes), the last one out unsubscribes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Generic, TypeVar

from starlette.requests import Request
from starlette.responses import StreamingResponse

from actkit_core.interest import Interest
from actkit_proto.base import Event
from actkit_proto.errors import BusError
from actkit_proto.io import PortChanged

QUEUE_SIZE = 256
KEEPALIVE_S = 15.0
E = TypeVar("E", bound=Event)


class Feed(Generic[E]):
    """Each subscriber gets its own bounded queue; a slow one loses events, never the others."""

    def __init__(self, interest: Interest | None = None) -> None:
        self._queues: set[asyncio.Queue[E]] = set()
        self.interest = interest or Interest()
        """Held while the feed has a subscriber; without a ``subscribe`` it only counts them."""

    async def deliver(self, event: E) -> None:
        for queue in self._queues:
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(event)

    @contextlib.asynccontextmanager
    async def subscription(self) -> AsyncIterator[asyncio.Queue[E]]:
        """The events delivered from now on; the bus is subscribed once it is entered.

        A subscriber that shows a state reads it inside: no change after the read is missed.
        """
        queue: asyncio.Queue[E] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        try:
            await self.interest.hold(queue)
            yield queue
        finally:
            self._queues.discard(queue)
            await self.interest.release(queue)

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
    first: Callable[[], Awaitable[Iterable[str]]],
    render: Callable[[E], str | None],
) -> StreamingResponse:
    """Server-sent events: what ``first`` gives (the state of now), then each event rendered.

    ``first`` is awaited once the feed is subscribed, so no change after it is missed.

    A keep-alive comment goes out when nothing happens for a while.
    """

    async def stream() -> AsyncIterator[str]:
        async with feed.subscription() as queue:
            try:
                state = await first()
            except BusError as exc:
                # Ends the stream; the page's EventSource connects again a moment later.
                yield f": {' '.join(exc.message.split())}\n\n"
                return
            for now in state:
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
