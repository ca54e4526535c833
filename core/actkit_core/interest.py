"""A bus subscription held only while something wants what it receives.

A service that passes events on to clients (a page's live feed, a broker) has nothing to do with
them while no client listens; subscribed all the same, it would decode each one and spend CPU
beside the services on the event's path. An :class:`Interest` subscribes when its first holder
arrives and unsubscribes when its last one leaves.

A holder that reads a state and then follows its changes holds the interest first: once
:meth:`Interest.hold` returns, the server knows the subscription, so no change made after the
read is missed (one made between the subscription and the read may arrive twice).

The last release must not come from the subscription's own callback: unsubscribing ends the
task that runs it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Protocol


class Subscription(Protocol):
    """What :meth:`actkit_core.bus.Bus.subscribe` returns."""

    async def unsubscribe(self) -> None:
        """Receive nothing more."""


Subscribe = Callable[[], Awaitable[Subscription]]


class Interest:
    """Subscribes (with ``subscribe``) while it has holders; without one, it only counts them.

    ``subscribe`` may come later (:meth:`attach`): holders that came before it are kept.
    """

    def __init__(self, subscribe: Subscribe | None = None) -> None:
        self._subscribe = subscribe
        self._holders: set[object] = set()
        self._subscription: Subscription | None = None
        self._lock = asyncio.Lock()

    @property
    def holders(self) -> int:
        """How many holders want the events now."""
        return len(self._holders)

    @property
    def is_subscribed(self) -> bool:
        """Whether the events are subscribed to now."""
        return self._subscription is not None

    def is_held_by(self, holder: object) -> bool:
        """Whether ``holder`` holds the interest now."""
        return holder in self._holders

    async def attach(self, subscribe: Subscribe) -> None:
        """Subscribe with ``subscribe`` from now on (at once, if something holds the interest)."""
        self._subscribe = subscribe
        await self._follow()

    async def hold(self, holder: object) -> None:
        """``holder`` wants the events; returns once they are subscribed to (if attached)."""
        await self.want(holder, True)

    async def release(self, holder: object) -> None:
        """``holder`` wants them no more; the last one's leaving unsubscribes."""
        await self.want(holder, False)

    async def want(self, holder: object, wanted: bool) -> None:
        """Hold or release for ``holder`` (each holder counts once, however often it asks)."""
        if wanted:
            self._holders.add(holder)
        else:
            self._holders.discard(holder)
        # Shielded: a holder cancelled meanwhile (a page closed) lets the change finish, and a
        # cancelled flush would leave nats-py's reader a cancelled future to answer (it stops).
        await asyncio.shield(self._follow())

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """Held for the ``async with`` block."""
        holder = object()
        try:
            await self.hold(holder)
            yield
        finally:
            await self.release(holder)

    async def _follow(self) -> None:
        # One change at a time: a release while the first hold still subscribes waits for it.
        async with self._lock:
            if self._subscribe is None:
                return
            if self._holders and self._subscription is None:
                self._subscription = await self._subscribe()
            elif not self._holders and self._subscription is not None:
                subscription, self._subscription = self._subscription, None
                await subscription.unsubscribe()
