"""Composition root of the web service: the app, its HTTPS, HTTP and RTSP servers, the feed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from actkit_core import lifecycle
from actkit_core.bus import Handlers, Publisher
from actkit_core.lifecycle import Runtime, serve_service
from actkit_core.tasks import stop_task
from actkit_proto.accounts import WebCertificateChanged
from actkit_proto.errors import BusError
from actkit_proto.io import PortChanged
from actkit_proto.network import GetHttp, HttpSettings
from actkit_proto.system import NetworkTraceProgressed, UpgradeProgressed
from actkit_web.app import create_app
from actkit_web.certificate import fetch_identity
from actkit_web.http_access import HttpAccessState
from actkit_web.http_protocol import CONNECTION_LIMITS, ConnectionLimits, guarded_protocol
from actkit_web.rtsp import RtspEventServer
from actkit_web.serving import Listener, port_choice, read_http_settings
from actkit_web.settings import WebSettings

log = logging.getLogger(__name__)

URLS_FILE = "web-urls.json"
"""Where the served URLs are written for ``actkit run`` to print (ports may be picked at start)."""


@dataclass(frozen=True)
class Deps:
    app: FastAPI
    https_url: str
    http_url: str
    rtsp_port: int | None
    """None when the event stream could not bind its port."""


HANDLERS: Handlers[Deps] = {}
"""The web serves no commands of its own: it sends them on behalf of people and clients."""


def server_config(
    app: FastAPI, limits: ConnectionLimits = CONNECTION_LIMITS, **options: object
) -> uvicorn.Config:
    """How uvicorn serves ``app``: our protocol and its ``limits``, no signals, no access log."""
    return uvicorn.Config(
        app,
        lifespan="off",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=2,
        proxy_headers=False,
        # The C parser (several times the requests per core of h11), with limits uvicorn lacks.
        http=guarded_protocol(limits),
        timeout_keep_alive=limits.keep_alive_s,
        limit_concurrency=limits.max_connections,
        **options,  # type: ignore[arg-type]
    )


@contextlib.asynccontextmanager
async def _rtsp(events: RtspEventServer, settings: WebSettings) -> AsyncIterator[int | None]:
    try:
        server = await asyncio.start_server(events.handle, settings.bind_host, settings.rtsp_port)
    except OSError as exc:
        # Port 554 needs root or CAP_NET_BIND_SERVICE; the web works on without the stream.
        log.warning(
            "the RTSP event stream is off: cannot listen on %d: %s", settings.rtsp_port, exc
        )
        yield None
        return
    async with server:
        yield int(server.sockets[0].getsockname()[1])
        server.close()


@dataclass
class _WebServers:
    """The HTTPS and HTTP listeners, placed and governed by the network's HTTP settings."""

    settings: WebSettings
    access: HttpAccessState
    https: Listener
    http: Listener
    follows: tuple[bool, bool] = (False, False)
    """Whether the HTTPS and the HTTP port follow the network settings."""
    is_network_known: bool = True
    rtsp_port: int | None = None
    written_urls: str = ""

    @property
    def https_url(self) -> str:
        return f"https://localhost:{self.https.port}/"

    @property
    def http_url(self) -> str:
        return f"http://localhost:{self.http.port}/"

    async def start(self, network: HttpSettings | None) -> None:
        """Listen where the settings or the network say; without the network, as its defaults."""
        known = network or HttpSettings()
        https = port_choice(
            self.settings.https_port, known.https_port, self.settings.fallback_https_port
        )
        http = port_choice(
            self.settings.http_port, known.http_port, self.settings.fallback_http_port
        )
        self.follows = (https.follows_network, http.follows_network)
        self.is_network_known = network is not None
        await self.https.start(https.candidates)
        await self.http.start(http.candidates)
        self.apply(known)

    def apply(self, network: HttpSettings) -> None:
        """Take the network's access setting and the ports listened on; write the URLs file."""
        if self.access.access is not network.access:
            log.info("access through %s", network.access.value)
        self.access.access = network.access
        self.access.https_port, self.access.http_port = self.https.port, self.http.port
        self.write_urls()

    def write_urls(self) -> None:
        """Write the URLs file when what it says changed (the settings are read every 2 s)."""
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

    async def follow(self, bus: Publisher) -> None:
        """Apply the network's HTTP settings as they change (the network publishes no event)."""
        while True:
            await asyncio.sleep(self.settings.network_poll_s)
            try:
                network = await bus.request(GetHttp(), self.settings.bus_timeout_s)
            except BusError as exc:
                if self.is_network_known:
                    log.warning("HTTP access settings unknown: %s", exc.message)
                self.is_network_known = False
                continue
            self.is_network_known = True
            if self.follows[0]:
                await self.https.move(network.https_port)
            if self.follows[1]:
                await self.http.move(network.http_port)
            self.apply(network)


@contextlib.asynccontextmanager
async def build_deps(settings: WebSettings, runtime: Runtime) -> AsyncIterator[Deps]:
    app = create_app(settings, runtime.bus)
    await runtime.bus.subscribe(PortChanged, app.state.feed.deliver)
    await runtime.bus.subscribe(UpgradeProgressed, app.state.progress.deliver)
    await runtime.bus.subscribe(NetworkTraceProgressed, app.state.progress.deliver)
    certificate, key = await fetch_identity(
        runtime.bus, settings.data_dir, settings.accounts_wait_s, settings.bus_timeout_s
    )
    servers = _WebServers(
        settings,
        app.state.http_access,
        https=Listener(
            "HTTPS",
            settings.bind_host,
            lambda: server_config(
                app,
                ssl_certfile=str(certificate),
                ssl_keyfile=str(key),
                ssl_version=ssl.PROTOCOL_TLS_SERVER,
            ),
        ),
        http=Listener("HTTP", settings.bind_host, lambda: server_config(app)),
    )

    async def reload_certificate(_event: WebCertificateChanged) -> None:
        # New connections get the new certificate; open ones keep theirs.
        chain, private = await fetch_identity(
            runtime.bus, settings.data_dir, 0, settings.bus_timeout_s
        )
        server = servers.https.server
        if server is not None and server.config.ssl is not None:
            server.config.ssl.load_cert_chain(chain, private)
            log.info("HTTPS certificate changed")

    await runtime.bus.subscribe(WebCertificateChanged, reload_certificate)
    # The Basic realm when accounts gives no Digest challenge: the HTTP side's, not an identity.
    events = RtspEventServer(runtime.bus, app.state.feed, "actkit", settings.bus_timeout_s)
    await servers.start(await read_http_settings(runtime.bus, settings.bus_timeout_s))
    follower = asyncio.create_task(servers.follow(runtime.bus))
    try:
        async with _rtsp(events, settings) as rtsp_port:
            servers.rtsp_port = rtsp_port
            servers.write_urls()
            deps = Deps(
                app=app,
                https_url=servers.https_url,
                http_url=servers.http_url,
                rtsp_port=rtsp_port,
            )
            log.info("dashboard on %s (and %s)", deps.https_url, deps.http_url)
            yield deps
    finally:
        await stop_task(follower)
        await servers.http.stop()
        await servers.https.stop()


async def serve(settings: WebSettings, ready: asyncio.Event | None = None) -> None:
    await serve_service(settings, handlers=HANDLERS, build_deps=build_deps, ready=ready)


def run() -> None:
    lifecycle.run(serve(WebSettings()))
