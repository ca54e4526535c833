"""The HTTP and HTTPS listeners: on the network service's ports, moved when those change."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import uvicorn

from actkit_core.bus import Publisher
from actkit_proto.errors import BusError
from actkit_proto.network import GetHttp, HttpSettings
from actkit_web.http_protocol import CONNECTION_LIMITS, GuardedHttpProtocol

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The service's lifecycle owns SIGTERM/SIGINT and stops the servers in order.
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        # uvicorn passes asyncio no TLS timeouts, whose defaults let a client that never
        # finishes its handshake hold a connection for 60 s: its start-up binds nothing here
        # and the sockets are served with ours.
        await super().startup(sockets=[])
        self.started = False  # until the sockets listen: the listener waits for it
        config = self.config
        protocol = config.http_protocol_class
        limits = protocol.limits if issubclass(protocol, GuardedHttpProtocol) else CONNECTION_LIMITS
        tls_timeout_s = limits.tls_handshake_timeout_s if config.ssl else None

        def create_protocol() -> asyncio.Protocol:
            return config.http_protocol_class(  # type: ignore[call-arg]
                config=config, server_state=self.server_state, app_state=self.lifespan.state
            )

        for sock in sockets or []:
            self.servers.append(
                await asyncio.get_running_loop().create_server(
                    create_protocol,
                    sock=sock,
                    ssl=config.ssl,
                    backlog=config.backlog,
                    ssl_handshake_timeout=tls_timeout_s,
                    ssl_shutdown_timeout=tls_timeout_s,
                )
            )
        self.started = True


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


@dataclass(frozen=True)
class PortChoice:
    """Where a listener goes: the ports to try in order, and whether network settings move it."""

    candidates: tuple[int, ...]
    follows_network: bool


def port_choice(fixed: int | None, network_port: int, fallback: int) -> PortChoice:
    """A fixed port (settings, tests) wins; else the network's, then ``fallback`` if unbindable.

    The fallback covers ports below 1024 (the factory 80 and 443) without root or
    CAP_NET_BIND_SERVICE, as under ``make run``.
    """
    if fixed is not None:
        return PortChoice((fixed,), follows_network=False)
    return PortChoice(tuple(dict.fromkeys((network_port, fallback))), follows_network=True)


class Listener:
    """One uvicorn server on one port, which :meth:`move` takes elsewhere.

    The new port is bound before the old server stops, so a port in use leaves it where it was.
    """

    def __init__(self, name: str, host: str, make_config: Callable[[], uvicorn.Config]) -> None:
        self.name = name
        self.host = host
        self.make_config = make_config
        self.server: _Server | None = None
        self.requested: int | None = None
        """The port asked for (0 picks a free one)."""
        self.port = 0
        """The port it listens on."""
        self._task: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None
        self._refused: int | None = None

    async def start(self, candidates: tuple[int, ...]) -> None:
        """Listen on the first candidate port that can be bound.

        Raises:
            OSError: none can be bound.
        """
        for index, port in enumerate(candidates):
            try:
                sock = _listen(self.host, port)
            except OSError as exc:
                if index == len(candidates) - 1:
                    raise
                log.warning(
                    "%s cannot listen on %d (%s); trying the next port", self.name, port, exc
                )
                continue
            await self._serve(sock, port)
            return

    async def move(self, port: int) -> bool:
        """Listen on ``port`` instead; on failure keep the current port. Whether it moved."""
        if port == self.requested:
            return False
        try:
            sock = _listen(self.host, port)
        except OSError as exc:
            # Tried again at every reading of the settings; said once.
            if port != self._refused:
                log.error(
                    "%s stays on %d: cannot listen on %d: %s", self.name, self.port, port, exc
                )
            self._refused = port
            return False
        self._refused = None
        await self.stop()
        await self._serve(sock, port)
        log.info("%s moved to port %d", self.name, self.port)
        return True

    async def _serve(self, sock: socket.socket, requested: int) -> None:
        server = _Server(self.make_config())
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if task.done():
                sock.close()
                task.result()
                raise RuntimeError(f"the {self.name} server stopped while starting")
            await asyncio.sleep(0.01)
        self.server, self._task, self._socket = server, task, sock
        self.requested, self.port = requested, int(sock.getsockname()[1])

    async def stop(self) -> None:
        if self.server is not None and self._task is not None:
            self.server.should_exit = True
            await self._task
        if self._socket is not None:
            self._socket.close()
        self.server = self._task = self._socket = None


async def read_http_settings(bus: Publisher, timeout_s: float) -> HttpSettings | None:
    """The network service's HTTP settings; None (and a log line) when it does not answer."""
    try:
        return await bus.request(GetHttp(), timeout_s)
    except BusError as exc:
        log.warning("HTTP access settings unknown (%s); serving HTTP and HTTPS", exc.message)
        return None
