"""An in-memory bus for unit tests: records what is published, routes requests to handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from fnmatch import fnmatchcase
from typing import Any, TypeVar

from actkit_core.dispatch import Dispatcher, Handlers
from actkit_proto.base import Command, Event, Message, Reply
from actkit_proto.errors import Unavailable

E = TypeVar("E", bound=Event)
R = TypeVar("R", bound=Reply)
D = TypeVar("D")


class FakeBus:
    """Stands in for :class:`actkit_core.bus.Bus` in unit tests; no sockets, no sleeps.

    >>> import asyncio
    >>> from actkit_proto.io import GetPort
    >>> bus = FakeBus()
    >>> asyncio.run(bus.request(GetPort(port_id=1)))
    Traceback (most recent call last):
    ...
    actkit_proto.errors.Unavailable: nobody answers io.port.1.get: is io running?
    """

    def __init__(self, name: str = "test") -> None:
        self.name = name
        self.published: list[Event] = []
        self.sent: list[Command[Any]] = []
        self.state: dict[str, Event] = {}
        self._dispatchers: list[Dispatcher] = []
        self._answers: dict[type[Message], Callable[[Any], Awaitable[Reply]]] = {}

    async def publish(self, event: Event, *, wait_kept: bool = True) -> None:  # noqa: ARG002
        """Record the event, keep it if stateful, and deliver it to served event handlers."""
        self.published.append(event)
        subject = event.to_subject()
        if event.stateful:
            self.state[subject] = event
        for dispatcher in self._dispatchers:
            if type(event) in dispatcher.handlers:
                await dispatcher.dispatch(type(event), subject, event.to_wire())

    def answer(
        self, command_type: type[Command[R]], respond: Callable[[Any], Awaitable[R]]
    ) -> None:
        """Answer ``command_type`` with ``respond`` (a stand-in for another service)."""
        self._answers[command_type] = respond

    async def request(self, command: Command[R], timeout_s: float = 2.0) -> R:  # noqa: ARG002
        """Route the command to a served handler or a registered answer."""
        self.sent.append(command)
        command_type = type(command)
        if command_type in self._answers:
            return await self._answers[command_type](command)  # type: ignore[return-value]
        for dispatcher in self._dispatchers:
            if command_type in dispatcher.handlers:
                payload = await dispatcher.dispatch(
                    command_type, command.to_subject(), command.to_wire()
                )
                return command_type.reply_type.from_wire("", payload)  # type: ignore[return-value]
        subject = command.to_subject()
        raise Unavailable(f"nobody answers {subject}: is {command.served_by()} running?")

    async def current(self, event_type: type[E], **ids: str) -> list[E]:
        """The kept stateful events matching the type's subject pattern and ``ids``."""
        pattern = event_type.subject_pattern(**ids)
        return [
            event
            for subject, event in sorted(self.state.items())
            if isinstance(event, event_type) and fnmatchcase(subject, pattern)
        ]

    async def serve(
        self,
        handlers: Handlers[D],
        deps: D,
        *,
        version: str = "0.0.0",  # noqa: ARG002
        description: str = "",  # noqa: ARG002
        adapter: str | None = None,
    ) -> Dispatcher:
        """Register a handler table, as :meth:`Bus.serve` does on NATS."""
        dispatcher = Dispatcher(self.name, handlers, deps, adapter)
        self._dispatchers.append(dispatcher)
        return dispatcher
