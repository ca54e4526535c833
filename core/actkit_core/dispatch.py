"""A service's handler table and the dispatcher that runs it: decode, check the sender, count.

Shared by :class:`actkit_core.bus.Bus` (on nats) and :class:`actkit_core.testing.fake_bus.FakeBus`
(in memory). A command is checked against its actor's role here, and one that crossed from another
account (an integrator's) acts as the integrator whatever it says.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from prometheus_client import Counter, Histogram

from actkit_core.local_time import local_zone
from actkit_core.metrics import BUS_HANDLE_SECONDS, BUS_MESSAGES
from actkit_core.natsconf import SERVICE_ACCOUNT
from actkit_core.sockets import own_connections
from actkit_proto.base import INTEGRATOR, INTEGRATOR_ROLE, Actor, Command, Message, Reply
from actkit_proto.errors import BusError, Forbidden
from actkit_proto.service import (
    ConnectionList,
    GetHardening,
    GetServiceStatus,
    Hardening,
    ListConnections,
    ServiceStatus,
)

log = logging.getLogger(__name__)

D = TypeVar("D")

Handler = Callable[[Any, D], Awaitable[Reply | None]]
Handlers = Mapping[type[Message], Handler[D]]
"""A service's handler table: message type -> ``async def handler(message, deps)``."""

REQUEST_INFO_HEADER = "Nats-Request-Info"
"""Set by nats-server, in place of anything the sender put there, on a request that crossed from
another account: ``{"acc": "<account>", ...}``. Only integrators send from another account."""


def check_role(command: Command[Any]) -> None:
    """Refuse a command whose actor's role is below the command's required role."""
    actor = command.actor
    if actor is not None and command.internal_for:
        raise Forbidden(f"{type(command).__name__} is for services only, never for a person")
    if actor is not None and actor.role < command.required_role:
        raise Forbidden(
            f"{actor.name} is {actor.role.name.lower()}; "
            f"this needs {command.required_role.name.lower()}"
        )


def from_other_account(headers: Mapping[str, str] | None) -> bool:
    """Whether nats-server says this request crossed from another account (an integrator's)."""
    info = (headers or {}).get(REQUEST_INFO_HEADER)
    if info is None:
        return False
    try:
        account = json.loads(info).get("acc")
    except (ValueError, AttributeError):
        return True  # unreadable: take the lesser trust
    return bool(account != SERVICE_ACCOUNT)


def as_integrator(command: Command[Any]) -> Command[Any]:
    """The command with the actor an integrator may be: the one it names, at most its role."""
    actor = command.actor or Actor(name=INTEGRATOR, role=INTEGRATOR_ROLE)
    capped = Actor(name=actor.name, role=min(actor.role, INTEGRATOR_ROLE))
    return command.model_copy(update={"actor": capped})


class Dispatcher:
    """Decodes, checks, runs and counts the handlers of one service; shared by Bus and FakeBus."""

    def __init__(
        self,
        service: str,
        handlers: Handlers[D],
        deps: D,
        adapter: str | None = None,
        metrics_port: int = 0,
    ) -> None:
        self.service = service
        self.metrics_port = metrics_port
        self.handlers = dict(handlers)
        self.deps = deps
        self.adapter = adapter
        self.started_at = datetime.now(UTC)
        self.handled = 0
        self.failed = 0
        self.handlers.setdefault(GetServiceStatus, self._status)
        self._patterns: dict[type[Message], str] = {}
        self._counters: dict[tuple[type[Message], str], Counter] = {}
        self._timers: dict[type[Message], Histogram] = {}
        # Every service answers these two; an owner of security settings answers its findings.
        self.handlers.setdefault(GetHardening, self._no_findings)
        self.handlers.setdefault(ListConnections, self._connections)

    async def _status(self, _command: GetServiceStatus, _deps: object) -> ServiceStatus:
        from actkit_core import __version__

        return ServiceStatus(
            service=self.service,
            version=__version__,
            started_at=self.started_at,
            adapter=self.adapter,
            metrics_port=self.metrics_port,
            handled=self.handled,
            failed=self.failed,
            time_zone=local_zone(),
        )

    async def _no_findings(self, _command: GetHardening, _deps: object) -> Hardening:
        return Hardening(service=self.service, findings=[])

    async def _connections(self, _command: ListConnections, _deps: object) -> ConnectionList:
        connections = await asyncio.to_thread(own_connections, self.service)
        return ConnectionList(service=self.service, connections=connections)

    def pattern(self, message_type: type[Message]) -> str:
        """The subject this service listens on for ``message_type``."""
        pattern = self._patterns.get(message_type)
        if pattern is None:
            pattern = self._patterns[message_type] = message_type.subject_pattern(
                service=self.service
            )
        return pattern

    def _counted(self, message_type: type[Message], outcome: str) -> Counter:
        """The message counter of a type and outcome, looked up once (a message is a hot path)."""
        key = (message_type, outcome)
        counter = self._counters.get(key)
        if counter is None:
            pattern = self.pattern(message_type)
            counter = self._counters[key] = BUS_MESSAGES.labels(self.service, pattern, outcome)
        return counter

    def _timer(self, message_type: type[Message]) -> Histogram:
        timer = self._timers.get(message_type)
        if timer is None:
            pattern = self.pattern(message_type)
            timer = self._timers[message_type] = BUS_HANDLE_SECONDS.labels(self.service, pattern)
        return timer

    async def dispatch(
        self,
        message_type: type[Message],
        subject: str,
        data: bytes,
        headers: Mapping[str, str] | None = None,
    ) -> bytes:
        """Handle one message; returns the reply payload.

        A command from another account (:func:`from_other_account`) acts as the integrator.

        Raises:
            BusError: the message was invalid, forbidden, or the handler refused it.
        """
        started = time.perf_counter()
        outcome = "ok"
        try:
            message = message_type.from_wire(subject, data)
            if isinstance(message, Command):
                if from_other_account(headers):
                    message = as_integrator(message)
                check_role(message)
            reply = await self.handlers[message_type](message, self.deps)
            return reply.to_wire() if reply is not None else b""
        except BusError as exc:
            outcome = exc.code.value
            raise
        except Exception as exc:
            outcome = "500"
            log.exception("%s failed on %s", message_type.__name__, subject)
            raise self._failure(message_type, exc) from exc
        finally:
            self.handled += 1
            if outcome != "ok":
                self.failed += 1
            self._counted(message_type, outcome).inc()
            self._timer(message_type).observe(time.perf_counter() - started)

    def not_kept(self, message_type: type[Message], subject: str, exc: Exception) -> BusError:
        """What answers a handled command whose states could not be kept; counted as failed."""
        log.error("%s on %s: its state was not kept: %r", message_type.__name__, subject, exc)
        self.failed += 1
        self._counted(message_type, "500").inc()
        return exc if isinstance(exc, BusError) else self._failure(message_type, exc)

    def _failure(self, message_type: type[Message], exc: Exception) -> BusError:
        return BusError(
            f"{self.service} failed to handle {message_type.__name__}: {exc!r}; see its log"
        )

    def skip(self, message_type: type[Message], outcome: str, count: int) -> None:
        """Count messages taken care of without their handler: coalesced, or refused (overflow)."""
        self.handled += count
        if outcome != "coalesced":
            self.failed += count
        self._counted(message_type, outcome).inc(count)
