"""Event intake that keeps up under a flood: a bounded backlog where newer states replace older.

A service names the events whose older states it may skip while it is behind (``Coalescing``)
and, per event type, how to pick from what waits under one subject (a ``Reduce``). The bus then
hands each such subscription to a :class:`Mailbox` instead of handling message after message:
what arrives while a handler runs waits under its subject, and when the worker comes to that
subject it handles only what the reducer keeps. Every other event is handled one by one as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from nats.aio.msg import Msg

from actkit_proto.base import Event, Message

log = logging.getLogger(__name__)

Listener = Callable[[Msg], Awaitable[None]]
"""A subscription's callback."""

Reduce = Callable[[str, list[bytes]], list[int]]
"""The payloads waiting under one subject, oldest first -> the positions of those to handle, in
order, the newest last. Every position handles every message exactly."""

Count = Callable[[str, int], None]
"""Told ``("coalesced", n)`` for messages skipped for a newer one, ``("overflow", 1)`` for one
refused at the limit."""


def newest(_subject: str, payloads: list[bytes]) -> list[int]:
    """The :data:`Reduce` of a state nothing counts the changes of: only the newest is handled."""
    return [len(payloads) - 1]


DEFAULT_LIMIT = 20_000
OVERFLOW_LOG_EVERY = 1000
CLOSE_WAIT_S = 2.0


@dataclass(frozen=True)
class Coalescing:
    """Which events a service lets newer states replace while it is behind, and how."""

    reducers: Mapping[type[Event], Reduce]
    limit: int = DEFAULT_LIMIT
    """Messages waiting in one mailbox at most. At the limit, the subject that grows is reduced
    at once; a message that still finds it full is refused: counted and logged, not queued."""

    def mailbox(
        self, message_type: type[Message], handle: Listener, count: Count
    ) -> Mailbox | None:
        """The mailbox for a subscription; None for messages handled one by one."""
        if not issubclass(message_type, Event) or message_type not in self.reducers:
            return None
        return Mailbox(self.reducers[message_type], handle, count, self.limit)


class Mailbox:
    """One subscription's backlog: messages by subject, the oldest subject first, one worker.

    :meth:`take` is the subscription's callback and returns at once, so the connection never
    queues what a slow handler keeps waiting; the worker calls ``handle`` for each message the
    reducer keeps, in arrival order within a subject.
    """

    def __init__(
        self, reduce: Reduce, handle: Listener, count: Count, limit: int = DEFAULT_LIMIT
    ) -> None:
        self._reduce = reduce
        self._handle = handle
        self._count = count
        self._limit = limit
        self._waiting: dict[str, list[Msg]] = {}
        self._size = 0
        self._refused = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._worker: asyncio.Task[None] | None = None

    @property
    def size(self) -> int:
        """Messages waiting."""
        return self._size

    async def take(self, msg: Msg) -> None:
        """Take a message; the worker handles it once what came before is handled."""
        waiting = self._waiting.setdefault(msg.subject, [])
        if self._size >= self._limit and waiting:
            self._size -= len(waiting)
            waiting[:] = self._kept(msg.subject, waiting)
            self._size += len(waiting)
        if self._size >= self._limit:
            self._refused += 1
            self._count("overflow", 1)
            if self._refused % OVERFLOW_LOG_EVERY == 1:
                log.warning(
                    "%s: %d messages wait, the limit; refused one (%d so far)",
                    msg.subject,
                    self._size,
                    self._refused,
                )
            if not waiting:
                del self._waiting[msg.subject]
            return
        waiting.append(msg)
        self._size += 1
        self._idle.clear()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())

    async def join(self) -> None:
        """Wait until everything taken so far is handled."""
        await self._idle.wait()

    async def close(self) -> None:
        """Stop the worker; what still waits is dropped."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        self._waiting.clear()
        self._size = 0
        self._idle.set()

    def _kept(self, subject: str, waiting: list[Msg]) -> list[Msg]:
        positions = self._reduce(subject, [msg.data for msg in waiting])
        if len(positions) < len(waiting):
            self._count("coalesced", len(waiting) - len(positions))
        return [waiting[position] for position in positions]

    async def _drain(self) -> None:
        while self._waiting:
            subject = next(iter(self._waiting))
            waiting = self._waiting.pop(subject)
            self._size -= len(waiting)
            for msg in self._kept(subject, waiting) if len(waiting) > 1 else waiting:
                await self._handle(msg)
        self._idle.set()


def _log_failure(written: asyncio.Future[None]) -> None:
    if not written.cancelled() and (error := written.exception()) is not None:
        log.warning("could not keep a state: %s", error)


async def join_all(mailboxes: Sequence[Mailbox], timeout_s: float = CLOSE_WAIT_S) -> None:
    """Wait until every mailbox has handled what it took, for ``timeout_s`` at most."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout_s):
            for mailbox in mailboxes:
                await mailbox.join()


KEEP_EVERY_S = 0.02
"""A subject's states started without waiting are written at most this often: a flood of them
(a chattering input, 1,000 edges/s) costs 50 writes a second, not one per state."""


@dataclass
class _Waiting:
    data: bytes
    written: asyncio.Future[None]
    is_awaited: bool
    """Someone waits for this write (:meth:`StateWriter.write`): it is not spaced."""


class StateWriter:
    """Keeps the newest value of each subject with one write in flight per subject.

    Values that arrive while a subject is being written wait, and only the newest of them is
    written next, for all of them: a flood of states costs two writes, not one per state. Each
    caller returns once its value, or a newer one, is written (or the write failed). A value
    started without waiting (:meth:`write_soon`) is written at once unless its subject was
    written less than ``every_s`` ago; then it waits for the rest of that time, while newer
    values replace it. So the bucket lags a flood by ``every_s`` at most, and the flood costs
    one write per ``every_s``. A value someone waits for is never held back.
    """

    def __init__(
        self, put: Callable[[str, bytes], Awaitable[object]], every_s: float = KEEP_EVERY_S
    ) -> None:
        self._put = put
        self._every_s = every_s
        self._busy: set[str] = set()
        self._waiting: dict[str, _Waiting] = {}
        self._written_at: dict[str, float] = {}
        self._hurry: dict[str, asyncio.Future[None]] = {}
        self._is_flushing = False
        self._writers: set[asyncio.Task[None]] = set()

    def write_soon(self, subject: str, data: bytes) -> bool:
        """Start writing ``data`` without waiting; True when it replaced a waiting value.

        A failed write is logged, as nobody waits for it to raise.
        """
        waiting = self._waiting.get(subject)
        if waiting is None:
            written = asyncio.get_running_loop().create_future()
            written.add_done_callback(_log_failure)
            self._waiting[subject] = _Waiting(data, written, is_awaited=False)
        else:
            waiting.data = data
        if subject not in self._busy:
            self._busy.add(subject)
            self._hand_over(subject)
        return waiting is not None

    async def flush(self) -> None:
        """Write every value started, without waiting for their spacing."""
        self._is_flushing = True
        try:
            while self._writers:
                for hurry in self._hurry.values():
                    _wake(hurry)
                await asyncio.wait(set(self._writers))
        finally:
            self._is_flushing = False

    async def write(self, subject: str, data: bytes) -> bool:
        """Write ``data`` under ``subject``; True when it replaced a value that had not been."""
        if subject not in self._busy:
            self._busy.add(subject)
            self._written_at[subject] = time.monotonic()
            try:
                await self._put(subject, data)
            finally:
                self._hand_over(subject)
            return False
        written, replaced = self._awaited(subject, data)
        await asyncio.shield(written)
        return replaced

    def start(self, subject: str, data: bytes) -> tuple[asyncio.Future[None], bool]:
        """Start writing ``data`` as :meth:`write` does, without waiting for it here.

        Returns the future done once ``data``, or a newer value, is written (with the write's
        exception if it failed), and True when it replaced a value not written yet. Started in
        the order of the calls, as :meth:`write` is.
        """
        written, replaced = self._awaited(subject, data)
        if subject not in self._busy:
            self._busy.add(subject)
            self._hand_over(subject)
        return written, replaced

    def _awaited(self, subject: str, data: bytes) -> tuple[asyncio.Future[None], bool]:
        """``data`` waits to be written next under ``subject``, for someone who waits for it."""
        waiting = self._waiting.get(subject)
        if waiting is None:
            written = asyncio.get_running_loop().create_future()
            self._waiting[subject] = _Waiting(data, written, is_awaited=True)
        else:
            written = waiting.written
            waiting.data, waiting.is_awaited = data, True
        if (hurry := self._hurry.get(subject)) is not None:
            _wake(hurry)
        return written, waiting is not None

    def _hand_over(self, subject: str) -> None:
        if subject not in self._waiting:
            self._busy.discard(subject)
            return
        writer = asyncio.create_task(self._write_waiting(subject))
        self._writers.add(writer)
        writer.add_done_callback(self._writers.discard)

    async def _write_waiting(self, subject: str) -> None:
        try:
            await self._spaced(subject)
            waiting = self._waiting.pop(subject)
            self._written_at[subject] = time.monotonic()
            try:
                await self._put(subject, waiting.data)
            except Exception as exc:
                waiting.written.set_exception(exc)
            else:
                waiting.written.set_result(None)
        finally:
            self._hand_over(subject)

    async def _spaced(self, subject: str) -> None:
        """Wait until ``every_s`` has passed since the subject's last write, unless hurried."""
        due = self._written_at.get(subject, -self._every_s) + self._every_s
        left_s = due - time.monotonic()
        if left_s <= 0 or self._is_flushing or self._waiting[subject].is_awaited:
            return
        loop = asyncio.get_running_loop()
        hurry = self._hurry[subject] = loop.create_future()
        timer = loop.call_later(left_s, _wake, hurry)
        try:
            await hurry
        finally:
            timer.cancel()
            del self._hurry[subject]


def _wake(sleeper: asyncio.Future[None]) -> None:
    if not sleeper.done():
        sleeper.set_result(None)
