"""A connection's requests, its commands and its state writes, answered through one subscription.

nats-py's ``request`` makes a NUID and two random bytes (a ``getrandom`` call) per request and
waits with ``asyncio.wait_for``; a key-value ``put`` adds JetStream's publish, a JSON reading and
a ``PubAck`` on top. Here a request's reply subject is the connection's inbox and a counter, one
wildcard subscription hands each reply to the future waiting for it, and its timeout is a
``call_later``. It raises what nats-py raised: ``NoRespondersError`` for the status 503 that
nats-server answers when nobody serves the subject, nats-py's ``TimeoutError``, and for a state
write JetStream's ``APIError`` of an ``{"error": ...}`` answer or ``NoStreamResponseError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import ConnectionClosedError, NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import APIError, InvalidKeyError, NoStreamResponseError
from nats.js.kv import VALID_KEY_RE

NO_RESPONDERS = "503"
STATUS_HEADER = "Status"
KEEP_TIMEOUT_S = 5.0
"""How long a state write waits for JetStream's acknowledgement: nats-py's JetStream default."""
SETTLE_WAIT_S = 2.0
"""How long a closing bus waits for the replies still to come, as long as for its mailboxes."""


class Replies:
    """Requests of one connection, their replies matched by the counter in the reply subject."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._prefix = ""
        self._tokens = itertools.count()
        self._waiting: dict[str, asyncio.Future[Msg]] = {}
        self._settled: asyncio.Future[None] | None = None

    async def request(
        self,
        subject: str,
        payload: bytes,
        timeout_s: float,
        headers: dict[str, str] | None = None,
    ) -> Msg:
        """The reply to ``payload`` sent to ``subject``.

        Raises:
            NoRespondersError: nobody serves ``subject``.
            nats.errors.TimeoutError: no reply within ``timeout_s``.
            ConnectionClosedError: the connection closed before the reply came.
        """
        if not self._prefix:
            await self._subscribe()
        reply = f"{self._prefix}{next(self._tokens)}"
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Msg] = loop.create_future()
        self._waiting[reply] = answer
        timer = loop.call_later(timeout_s, _fail, answer, NatsTimeout)
        try:
            await self._client.publish(subject, payload, reply=reply, headers=headers)
            msg = await answer
        finally:
            timer.cancel()
            del self._waiting[reply]
            if not self._waiting and self._settled is not None:
                # Woken already if a request came and went before the waiter's turn.
                with contextlib.suppress(asyncio.InvalidStateError):
                    self._settled.set_result(None)
        if msg.headers and msg.headers.get(STATUS_HEADER) == NO_RESPONDERS:
            raise NoRespondersError
        return msg

    async def keep(self, bucket: str, key: str, value: bytes) -> None:
        """Write ``value`` under ``key`` in the key-value ``bucket``, as ``KeyValue.put`` does."""
        # The characters nats-py's key-value store allows, and no dot at either end (as it checks).
        # fullmatch, not match: the expression's ``$`` would let a trailing newline through.
        if not VALID_KEY_RE.fullmatch(key) or key[0] == "." or key[-1] == ".":
            raise InvalidKeyError(key)
        try:
            msg = await self.request(f"$KV.{bucket}.{key}", value, KEEP_TIMEOUT_S)
        except NoRespondersError:
            raise NoStreamResponseError from None
        if b'"error"' in msg.data and "error" in (answer := json.loads(msg.data)):
            raise APIError.from_error(answer["error"])

    async def settle(self) -> None:
        """Return once no request waits for its reply, or after ``SETTLE_WAIT_S``.

        A command answered within minutes (an app's install) does not hold up a stop: what
        still waits then fails at :meth:`close`.
        """
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(SETTLE_WAIT_S):
                while self._waiting:
                    self._settled = asyncio.get_running_loop().create_future()
                    try:
                        await self._settled
                    finally:
                        self._settled = None

    def close(self) -> None:
        """Fail what still waits: the connection is closed, its replies can no longer come."""
        for answer in self._waiting.values():
            _fail(answer, ConnectionClosedError)

    async def _subscribe(self) -> None:
        # The prefix is set first: a request sent while this one subscribes follows the SUB,
        # which nats-py queues for the wire before it awaits anything.
        self._prefix = f"{self._client.new_inbox()}."
        await self._client.subscribe(f"{self._prefix}*", cb=self._answered)

    async def _answered(self, msg: Msg) -> None:
        answer = self._waiting.get(msg.subject)
        if answer is not None and not answer.done():
            answer.set_result(msg)


def _fail(answer: asyncio.Future[Msg], error: type[Exception]) -> None:
    # Answered meanwhile: the answer stands.
    with contextlib.suppress(asyncio.InvalidStateError):
        answer.set_exception(error())
