"""The HTTP and HTTPS listeners: on the network service's ports, moved when those change."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import uvicorn

from actkit_core.bus import Publisher
from actkit_proto.errors import BusError
from actkit_proto.network import HttpChanged, HttpSettings
from actkit_web.http.access import HttpAccessState
from actkit_web.http.protocol import CONNECTION_LIMITS, GuardedHttpProtocol
from actkit_web.settings import WebSettings

log = logging.getLogger(__name__)

URLS_FILE = "web-urls.json"
"""Where the served URLs are written for ``actkit run`` to print (ports may be picked at start)."""


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
            # Said once, however often the same port is asked for again.
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


async def told_http_access(bus: Publisher) -> HttpChanged | None:
    """The HTTP access the network service last told; None (and a log line) when it has not."""
    try:
        kept = await bus.current(HttpChanged)
    except BusError as exc:
        log.warning("HTTP access unknown (%s); serving HTTP and HTTPS", exc.message)
        return None
    if not kept:
        log.warning("the network service has not told the HTTP access yet; serving HTTP and HTTPS")
        return None
    return kept[-1]


def _defaults() -> HttpChanged:
    """The network's factory HTTP access, served until it tells its own."""
    return HttpChanged.model_validate(
        HttpSettings().model_dump(include=set(HttpChanged.model_fields))
    )


@dataclass
class WebServers:
    """The HTTPS and HTTP listeners, placed and governed by the HTTP access the network tells."""

    settings: WebSettings
    access: HttpAccessState
    https: Listener
    http: Listener
    follows: tuple[bool, bool] = (False, False)
    """Whether the HTTPS and the HTTP port follow the network's."""
    is_started: bool = False
    told_early: HttpChanged | None = None
    """Told while the listeners were starting: applied once they listen."""
    rtsp_port: int | None = None
    written_urls: str = ""

    @property
    def https_url(self) -> str:
        return f"https://localhost:{self.https.port}/"

    @property
    def http_url(self) -> str:
        return f"http://localhost:{self.http.port}/"

    async def start(self, told: HttpChanged | None) -> None:
        """Listen where the settings or the network say; without the network, on its defaults."""
        known = told or _defaults()
        https = port_choice(
            self.settings.https_port, known.https_port, self.settings.fallback_https_port
        )
        http = port_choice(
            self.settings.http_port, known.http_port, self.settings.fallback_http_port
        )
        self.follows = (https.follows_network, http.follows_network)
        await self.https.start(https.candidates)
        await self.http.start(http.candidates)
        self.apply(known)
        self.is_started = True
        if self.told_early is not None and self.told_early != told:
            await self.follow(self.told_early)

    async def follow(self, told: HttpChanged) -> None:
        """Move to the ports the network tells and take its access (``network.http.changed``)."""
        if not self.is_started:
            self.told_early = told
            return
        if self.follows[0]:
            await self.https.move(told.https_port)
        if self.follows[1]:
            await self.http.move(told.http_port)
        self.apply(told)

    def apply(self, told: HttpChanged) -> None:
        """Take the network's access setting and the ports listened on; write the URLs file."""
        if self.access.access is not told.access:
            log.info("access through %s", told.access.value)
        self.access.access = told.access
        self.access.https_port, self.access.http_port = self.https.port, self.http.port
        self.write_urls()

    def write_urls(self) -> None:
        """Write the URLs file when what it says changed."""
        urls = json.dumps(
            {
                "https": self.https_url,
                "http": self.http_url,
                "access": self.access.access.value,
                "rtsp_port": self.rtsp_port,
            }
        )
        if urls != self.written_urls:
            (self.settings.data_dir / URLS_FILE).write_text(urls)
            self.written_urls = urls
