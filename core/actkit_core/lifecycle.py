"""How every service starts and stops: one ordered start-up, one clean shutdown.

The order is the same for all services (settings are read by the caller):
logging -> migrations -> database -> bus (warnings and worse forwarded to it) -> the service's own
dependencies (adapters, background tasks) -> handlers served -> /metrics -> run until cancelled ->
unwind in reverse, draining the bus.
SIGTERM and SIGINT cancel the main task, so shutdown is the same path as a test cancelling it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Coroutine
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import uvloop
from nats.errors import Error as NatsError

from actkit_core import __version__
from actkit_core.bus import Bus, Handlers
from actkit_core.buslog import forward_logs
from actkit_core.coalescing import Coalescing
from actkit_core.local_time import follow_device_zone
from actkit_core.logging import configure_logging
from actkit_core.metrics import serve_metrics
from actkit_core.process import change_priority, release_free_memory
from actkit_core.settings import ServiceSettings
from actkit_proto.base import Command

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import async_sessionmaker

log = logging.getLogger(__name__)

D = TypeVar("D")
T = TypeVar("T")
S = TypeVar("S", bound=ServiceSettings)


@dataclass(frozen=True)
class Runtime:
    """What the shared start-up hands a service for building its dependencies."""

    bus: Bus
    sessions: async_sessionmaker[Any] | None
    """The service's database sessions; ``None`` for a service without tables."""


async def serve_service(
    settings: S,
    *,
    handlers: Handlers[D],
    build_deps: Callable[[S, Runtime], AbstractAsyncContextManager[D]],
    migrations: str | None = None,
    adapter: str | None = None,
    ready: asyncio.Event | None = None,
    coalescing: Callable[[D], Coalescing] | None = None,
    served: Callable[[D], Awaitable[None]] | None = None,
    answered_once_kept: Collection[type[Command[Any]]] = (),
) -> None:
    """Start a service and serve until cancelled.

    Args:
        settings: the service's settings.
        handlers: its handler table.
        build_deps: opens its adapters and background tasks and yields its ``Deps``.
        migrations: its Alembic script location (``actkit_io:migrations``), if it has tables.
        adapter: the hardware adapter in use, reported in ``$SRV.INFO`` and the status.
        ready: set once it serves (for tests and the supervisor).
        coalescing: the events it lets newer states replace while it is behind, from its deps.
        served: runs once its handlers are subscribed, before it counts as ready: a service
            that read kept states while it started reads them again there, so a change told
            between that read and the subscription is not missed.
        answered_once_kept: the commands answered once the states they published are kept
            while the next command is handled (:meth:`Bus.serve`).
    """
    configure_logging(settings.service, settings.log_level)
    if migrations is not None:
        # Imported only by services that have tables: SQLAlchemy and Alembic cost start-up time.
        from actkit_core.db import migrate, open_db

        migrate(migrations, settings.database)
    async with AsyncExitStack() as stack:
        sessions = (
            await stack.enter_async_context(open_db(settings.database))
            if migrations is not None
            else None
        )
        bus = await stack.enter_async_context(
            Bus.connect(settings.service, settings.state_bucket, **settings.nats_options())
        )
        stack.push_async_callback(close_bus, bus)
        await stack.enter_async_context(forward_logs(bus, settings.service))
        await follow_device_zone(bus)
        deps = await stack.enter_async_context(build_deps(settings, Runtime(bus, sessions)))
        assert settings.metrics_port is not None
        port = stack.enter_context(
            serve_metrics(settings.metrics_host, settings.metrics_port, settings.service)
        )
        await bus.serve(
            handlers,
            deps,
            version=__version__,
            adapter=adapter,
            metrics_port=port,
            coalescing=coalescing(deps) if coalescing else None,
            answered_once_kept=answered_once_kept,
        )
        if served is not None:
            await served(deps)
        log.info("serving on %s, metrics on :%d", settings.nats_url, port)
        if ready is not None:
            ready.set()
        if _IS_OWN_PROCESS.get():
            change_priority(settings.service, raising=False)
            release_free_memory()  # what its start-up freed
        await stop_requested().wait()


async def close_bus(bus: Bus) -> None:
    """Drain the bus; when the connection is down (nats-server restarting), just close it.

    Nothing can go out while the connection is down, so there is nothing to drain: the stop is
    logged in one line, not as the traceback of ``drain()``'s error.
    """
    try:
        await bus.close()
    except NatsError as exc:
        log.warning("stopped without draining the bus: %s", exc)
        # nats-py then writes what was queued meanwhile to the lost connection and fails (asyncio
        # raises ConnectionResetError, uvloop RuntimeError), once it has stopped reconnecting and
        # marked the connection closed: that is all a stop needs.
        with contextlib.suppress(OSError, RuntimeError):
            await bus.client.close()


async def report_each(
    items: AsyncIterator[T], report: Callable[[T, D], Awaitable[None]], deps: D
) -> None:
    """Hand every item of a hardware watch to ``report``, for as long as the watch runs.

    A report that fails is logged and the watch goes on: the next item carries the current
    state, while a dead watch would leave the service deaf until it restarts.
    """
    async for item in items:
        try:
            await report(item, deps)
        except Exception:
            log.exception("could not report %s", item)


_STOP: contextvars.ContextVar[asyncio.Event] = contextvars.ContextVar("stop")
_IS_OWN_PROCESS: contextvars.ContextVar[bool] = contextvars.ContextVar("own", default=False)
"""Set by :func:`run`: the service is the process (not a test's task), and may lower its
priority once it serves (see :data:`actkit_core.process.NICENESS`)."""


def stop_requested() -> asyncio.Event:
    """Set once SIGTERM or SIGINT asked :func:`run`'s service to stop (never set outside it).

    The signal also cancels the service, but a cancellation that arrives while it starts can
    be lost (in Python 3.11 ``asyncio.wait_for`` returns a result that was ready at the same
    moment and drops the cancellation): a service that then reaches its serving loop finds the
    request here and stops all the same, instead of serving until it is killed.
    """
    stop = _STOP.get(None)
    if stop is None:
        stop = asyncio.Event()
        _STOP.set(stop)
    return stop


def run(main: Coroutine[Any, Any, None]) -> None:
    """Run a service's main coroutine on uvloop until SIGTERM or SIGINT, then shut down cleanly."""

    async def supervised() -> None:
        _IS_OWN_PROCESS.set(True)
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        stop = stop_requested()

        def request_stop() -> None:
            stop.set()
            task.cancel()

        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, request_stop)
        with contextlib.suppress(asyncio.CancelledError):
            await main
        log.info("stopped")

    uvloop.run(supervised())
