"""The typed bus: publish events, send commands, and serve a service's handler table.

Commands are served as ``nats.micro`` endpoints, so every service answers ``$SRV.PING``, ``INFO``
and ``STATS``. Events are plain publish/subscribe in the service's queue group. Stateful events
are also kept as the last value in a JetStream KV bucket, keyed by subject, so a late starter
reads the current state with :meth:`Bus.current`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import asynccontextmanager
from typing import Any, Protocol, TypeVar

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription as NatsSubscription
from nats.errors import (
    BadSubscriptionError,
    ConnectionClosedError,
    ConnectionDrainingError,
    NoRespondersError,
)
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import BucketNotFoundError, KeyNotFoundError
from nats.js.kv import KeyValue
from nats.micro import add_service
from nats.micro.request import Request
from nats.micro.service import EndpointConfig, Service
from prometheus_client import Counter

from actkit_core.coalescing import Coalescing, Mailbox, StateWriter, join_all

# Services name their handler table and check a forwarded role through the bus's module.
from actkit_core.dispatch import Dispatcher
from actkit_core.dispatch import Handler as Handler
from actkit_core.dispatch import Handlers as Handlers
from actkit_core.dispatch import check_role as check_role
from actkit_core.interest import Interest, Subscription
from actkit_core.metrics import BUS_MESSAGES
from actkit_core.natsconf import inbox_prefix
from actkit_core.replies import Replies
from actkit_core.settling import settled
from actkit_proto.base import Command, Event, Message, Reply
from actkit_proto.errors import BusError, Unavailable

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
R = TypeVar("R", bound=Reply)
D = TypeVar("D")

NO_RESPONDERS_RETRY_S = (0.005, 0.05, None)
"""Pauses before asking again when nobody answers. nats-server has been seen to answer "no
responders" for a subscription another connection had already flushed (a few in a hundred on a
busy machine), and a restarting owner needs a moment; None: give up."""

WATCH_GONE_AFTER_S = 1.0
"""How soon nats-server deletes the consumer of a read of kept states once it is stopped. The
client's default, 5 minutes, left each read's consumer in the bucket's stream that long: 11 after
the events service's start, each one more the stream matched every write against."""

ERROR_CODE_HEADER = "Nats-Service-Error-Code"
ERROR_HEADER = "Nats-Service-Error"


class _Keeping:
    """The writes of the states a command's handler published, which its answer waits for."""

    def __init__(self) -> None:
        self.writes: list[asyncio.Future[None]] = []
        self.is_open = True
        """False once the handler returned: what it left to run later (a pulse's end) waits."""


_KEEPING: contextvars.ContextVar[_Keeping | None] = contextvars.ContextVar("_KEEPING", default=None)
"""Set while a command answered once kept (:meth:`Bus.serve`) is handled."""


class Publisher(Protocol):
    """What handlers need of a bus: the part :class:`FakeBus` shares with :class:`Bus`."""

    async def publish(self, event: Event, *, wait_kept: bool = True) -> None:
        """Publish an event (and keep it in the KV bucket if stateful, waiting or not)."""

    async def request(self, command: Command[R], timeout_s: float = ...) -> R:
        """Send a command to its owner and return the typed reply."""

    async def current(self, event_type: type[E], **ids: str) -> list[E]:
        """The last value of each stateful event of ``event_type`` matching ``ids``."""


class Bus:
    """A service's (or a client's) connection to the NATS bus."""

    def __init__(self, client: Client, name: str, state_bucket: str) -> None:
        self.client = client
        self.name = name
        self._state_bucket = state_bucket
        self._kv: KeyValue | None = None
        self._services: list[Service] = []
        self._subscriptions: list[Any] = []
        self._on_demand: dict[type[Message], Interest] = {}
        self._mailboxes: list[Mailbox] = []
        self._state = StateWriter(self._keep)
        self._replies = Replies(client)
        self._published: dict[type[Event], Counter] = {}
        self._answering: set[asyncio.Task[None]] = set()
        """Answers waiting for the states their command published to be kept."""

    @classmethod
    @asynccontextmanager
    async def connect(
        cls, name: str, state_bucket: str = "actkit-state", **options: Any
    ) -> AsyncIterator[Bus]:
        """Connect (``options`` go to ``nats.connect``), drain on exit."""
        options.setdefault("name", name)
        if "user" in options:
            options.setdefault("inbox_prefix", inbox_prefix(options["user"]))

        async def report(exc: Exception) -> None:
            log.warning("bus: %s", exc)

        options.setdefault("max_reconnect_attempts", -1)
        client = await nats.connect(error_cb=report, **options)
        bus = cls(client, name, state_bucket)
        try:
            yield bus
        finally:
            await bus.close()

    async def close(self) -> None:
        """Stop serving, then drain the connection so in-flight replies go out."""
        for service in self._services:
            await service.stop()
        self._services.clear()
        await join_all(self._mailboxes)
        # The answers waiting for their commands' states to be kept go out before the drain.
        await asyncio.gather(*self._answering, return_exceptions=True)
        await self._state.flush()
        # The drain ends the replies' subscription: what is asked before it is answered first.
        await self._replies.settle()
        if not self.client.is_closed:
            await self.client.drain()
        self._replies.close()
        while self._mailboxes:
            await self._mailboxes.pop().close()

    async def _bucket(self) -> KeyValue:
        if self._kv is None:
            js = self.client.jetstream()
            try:
                self._kv = await js.key_value(self._state_bucket)
            except BucketNotFoundError:
                self._kv = await js.create_key_value(bucket=self._state_bucket, history=1)
        return self._kv

    async def publish(self, event: Event, *, wait_kept: bool = True) -> None:
        """Publish an event; a stateful one is then kept, or a newer one (see StateWriter).

        ``wait_kept=False`` returns without waiting for the bucket (a flood of edges).
        """
        subject = event.to_subject()
        data = event.to_wire()
        # Not waiting, the write is started first: it runs at the loop's next turn, before the
        # connection's flusher, so the event and the write leave in one send.
        replaced = event.stateful and not wait_kept and self._state.write_soon(subject, data)
        await self.client.publish(subject, data)
        counter = self._published.get(type(event))
        if counter is None:
            counter = BUS_MESSAGES.labels(self.name, event.subject_pattern(), "published")
            self._published[type(event)] = counter
        counter.inc()
        keeping = _KEEPING.get()
        if event.stateful and wait_kept and keeping is not None and keeping.is_open:
            written, replaced = self._state.start(subject, data)
            keeping.writes.append(written)
        elif event.stateful and wait_kept:
            replaced = await self._state.write(subject, data)
        if replaced:
            BUS_MESSAGES.labels(self.name, event.subject_pattern(), "kept_newer").inc()

    async def _keep(self, subject: str, data: bytes) -> None:
        if self._kv is None:
            await self._bucket()
        await self._replies.keep(self._state_bucket, subject, data)

    async def request(self, command: Command[R], timeout_s: float = 2.0) -> R:
        """Send a command and return its typed reply.

        Raises:
            BusError: the owner answered with an error (the subclass matches its code).
            Unavailable: nobody serves the subject, or the owner did not answer in time (the
                longer of ``timeout_s`` and the command's own ``answer_within_s``).
        """
        subject = command.to_subject()
        payload = command.to_wire()
        timeout_s = max(timeout_s, command.answer_within_s)
        # The last pause is None, which raises: the loop never runs out.
        for pause_s in NO_RESPONDERS_RETRY_S:  # pragma: no branch
            try:
                msg = await self._replies.request(subject, payload, timeout_s)
                break
            except NoRespondersError:
                if pause_s is None:
                    raise Unavailable(
                        f"nobody answers {subject}: is {command.served_by()} running?"
                    ) from None
                await asyncio.sleep(pause_s)
            except NatsTimeout:
                raise Unavailable(f"{subject} got no answer within {timeout_s:g} s") from None
        return decode_reply(type(command).reply_type, msg)  # type: ignore[return-value]

    async def current(self, event_type: type[E], **ids: str) -> list[E]:
        """The kept last value of each stateful event matching ``event_type`` and ``ids``.

        Sorted by subject, as :class:`FakeBus` does.
        """
        kv = await self._bucket()
        pattern = event_type.subject_pattern(**ids)
        found: list[tuple[str, E]] = []
        if "*" not in pattern:
            try:
                entry = await kv.get(pattern)
            except KeyNotFoundError:
                return []
            return [event_type.from_wire(entry.key, entry.value or b"")]
        watcher = await kv.watch(
            pattern, ignore_deletes=True, inactive_threshold=WATCH_GONE_AFTER_S
        )
        try:
            # The watch ends with None after the last kept value; it stops only when stopped.
            async for entry in watcher:  # pragma: no branch
                if entry is None:
                    break
                found.append((entry.key, event_type.from_wire(entry.key, entry.value or b"")))
        finally:
            await watcher.stop()  # type: ignore[no-untyped-call]
        return [event for _, event in sorted(found, key=lambda pair: pair[0])]

    async def subscribe(
        self, event_type: type[E], callback: Callable[[E], Awaitable[None]], **ids: str
    ) -> Subscription:
        """Call ``callback`` with each decoded event of ``event_type`` until unsubscribed.

        Once it returns, the server knows the subscription: what is published next arrives.
        """

        async def receive(msg: Msg) -> None:
            try:
                await callback(event_type.from_wire(msg.subject, msg.data))
            except BusError as exc:
                log.warning("dropped malformed %s on %s: %s", event_type.__name__, msg.subject, exc)

        return await self._subscribe(event_type.subject_pattern(**ids), receive)

    async def _subscribe(
        self, subject: str, listener: Callable[[Msg], Awaitable[None]], queue: str = ""
    ) -> Subscription:
        subscription = await self.client.subscribe(subject, queue=queue, cb=listener)
        self._subscriptions.append(subscription)
        await settled(self.client)
        return _Subscription(self, subscription)

    def on_demand(self, event_type: type[Event]) -> Interest:
        """The served events of ``event_type`` arrive only while the interest is held.

        Asked before :meth:`serve`, which subscribes to them when (and while) it is held.
        """
        return self._on_demand.setdefault(event_type, Interest())

    async def serve(
        self,
        handlers: Handlers[D],
        deps: D,
        *,
        version: str,
        description: str = "",
        adapter: str | None = None,
        metrics_port: int = 0,
        coalescing: Coalescing | None = None,
        answered_once_kept: Collection[type[Command[Any]]] = (),
    ) -> Dispatcher:
        """Serve the handler table: commands as ``nats.micro`` endpoints, events as queue subs.

        The events ``coalescing`` names go through a :class:`Mailbox` each. A command of
        ``answered_once_kept`` is answered once the states its handler published are kept, as
        any command is, but the next command is handled meanwhile: its handler does not wait
        for the bucket (one JetStream round trip per change, during which nothing else was
        handled). Its handlers still run one after the other.
        """
        dispatcher = Dispatcher(self.name, handlers, deps, adapter, metrics_port)
        metadata = {"metrics_port": str(metrics_port)}
        if adapter:
            metadata["adapter"] = adapter
        service = await add_service(
            self.client,
            name=self.name,
            version=version,
            description=description,
            queue_group=self.name,
            metadata=metadata,
        )
        self._services.append(service)
        for message_type in dispatcher.handlers:
            subject = dispatcher.pattern(message_type)
            if issubclass(message_type, Command):
                await service.add_endpoint(
                    EndpointConfig(
                        name=message_type.__name__,
                        subject=subject,
                        handler=self._endpoint(
                            dispatcher, message_type, message_type in answered_once_kept
                        ),
                    )
                )
            else:
                listener = _listener(dispatcher, message_type)
                count = functools.partial(dispatcher.skip, message_type)
                mailbox = coalescing.mailbox(message_type, listener, count) if coalescing else None
                if mailbox is not None:
                    self._mailboxes.append(mailbox)
                    listener = mailbox.take
                subscribe = functools.partial(self._subscribe, subject, listener, self.name)
                interest = self._on_demand.get(message_type)
                if interest is None:
                    await subscribe()
                else:
                    await interest.attach(subscribe)
        # Once serve returns, the server knows every subscription: requests find a responder.
        await settled(self.client)
        return dispatcher

    def _endpoint(
        self, dispatcher: Dispatcher, message_type: type[Message], once_kept: bool
    ) -> Callable[[Request], Awaitable[None]]:
        async def handle(request: Request) -> None:
            keeping = _Keeping() if once_kept else None
            token = _KEEPING.set(keeping)
            try:
                payload = await dispatcher.dispatch(
                    message_type, request.subject, request.data, request.headers
                )
            except BusError as exc:
                await _refuse(request, exc)
                return
            finally:
                _KEEPING.reset(token)
                if keeping is not None:
                    keeping.is_open = False
            if keeping is None or not keeping.writes:
                await request.respond(payload)
                return
            answer = asyncio.create_task(
                _answer_once_kept(request, payload, keeping.writes, dispatcher, message_type)
            )
            self._answering.add(answer)
            answer.add_done_callback(self._answering.discard)

        return handle


class _Subscription:
    """One subscription of a bus; unsubscribing also forgets it."""

    def __init__(self, bus: Bus, subscription: NatsSubscription) -> None:
        self._bus = bus
        self._subscription = subscription

    async def unsubscribe(self) -> None:
        """Once it returns, the server has forgotten the subscription."""
        self._bus._subscriptions.remove(self._subscription)
        # A closing bus ends its subscriptions itself.
        with contextlib.suppress(
            BadSubscriptionError, ConnectionClosedError, ConnectionDrainingError
        ):
            await self._subscription.unsubscribe()
            await settled(self._bus.client)


def decode_reply(reply_type: type[R], msg: Msg) -> R:
    """The typed reply of a response message, or the BusError it carries."""
    headers = msg.headers or {}
    code = headers.get(ERROR_CODE_HEADER)
    if code:
        raise BusError.from_code(code, headers.get(ERROR_HEADER, "unknown error"))
    return reply_type.from_wire(msg.subject, msg.data)


async def _refuse(request: Request, exc: BusError) -> None:
    await request.respond_error(exc.code.value, " ".join(exc.message.split()))


async def _answer_once_kept(
    request: Request,
    payload: bytes,
    keeping: list[asyncio.Future[None]],
    dispatcher: Dispatcher,
    message_type: type[Message],
) -> None:
    """Answer a handled command once the states it published are kept (or a newer one is)."""
    try:
        await asyncio.gather(*keeping)
    except Exception as exc:
        await _refuse(request, dispatcher.not_kept(message_type, request.subject, exc))
    else:
        await request.respond(payload)


def _listener(
    dispatcher: Dispatcher, message_type: type[Message]
) -> Callable[[Msg], Awaitable[None]]:
    async def handle(msg: Msg) -> None:
        try:
            await dispatcher.dispatch(message_type, msg.subject, msg.data)
        except BusError as exc:
            log.warning("%s on %s: %s", message_type.__name__, msg.subject, exc.message)

    return handle
