"""Composition root of the web service: the app, its HTTPS and HTTP servers, the port feed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import ssl
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from actkit_core import lifecycle
from actkit_core.bus import Handlers
from actkit_core.lifecycle import Runtime, serve_service
from actkit_proto.accounts import WebCertificateChanged
from actkit_proto.io import PortChanged
from actkit_web.app import create_app
from actkit_web.certificate import fetch_identity
from actkit_web.rtsp import RtspEventServer
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


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The service's lifecycle owns SIGTERM/SIGINT and stops the servers in order.
        yield


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


@contextlib.asynccontextmanager
async def _serving(server: _Server, sock: socket.socket) -> AsyncIterator[None]:
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the web server stopped while starting")
        await asyncio.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        await task
        sock.close()


def _config(app: FastAPI, **options: object) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        lifespan="off",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=2,
        proxy_headers=False,
        http=HttpToolsProtocol,  # the C parser: several times the requests per core of h11
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


@contextlib.asynccontextmanager
async def build_deps(settings: WebSettings, runtime: Runtime) -> AsyncIterator[Deps]:
    app = create_app(settings, runtime.bus)
    await runtime.bus.subscribe(PortChanged, app.state.feed.deliver)
    certificate, key = await fetch_identity(
        runtime.bus, settings.data_dir, settings.accounts_wait_s, settings.bus_timeout_s
    )
    https_socket = _listen(settings.bind_host, settings.https_port)
    http_socket = _listen(settings.bind_host, settings.http_port)
    https_port = https_socket.getsockname()[1]
    http_port = http_socket.getsockname()[1]
    https = _Server(
        _config(
            app,
            ssl_certfile=str(certificate),
            ssl_keyfile=str(key),
            ssl_version=ssl.PROTOCOL_TLS_SERVER,
        )
    )
    http = _Server(_config(app))

    async def reload_certificate(_event: WebCertificateChanged) -> None:
        # New connections get the new certificate; open ones keep theirs.
        chain, private = await fetch_identity(
            runtime.bus, settings.data_dir, 0, settings.bus_timeout_s
        )
        if https.config.ssl is not None:
            https.config.ssl.load_cert_chain(chain, private)
            log.info("HTTPS certificate changed")

    await runtime.bus.subscribe(WebCertificateChanged, reload_certificate)
    events = RtspEventServer(
        runtime.bus, app.state.feed, f"AXIS_{settings.serial_number}", settings.bus_timeout_s
    )
    async with (
        _serving(https, https_socket),
        _serving(http, http_socket),
        _rtsp(events, settings) as rtsp_port,
    ):
        deps = Deps(
            app=app,
            https_url=f"https://localhost:{https_port}/",
            http_url=f"http://localhost:{http_port}/",
            rtsp_port=rtsp_port,
        )
        (settings.data_dir / URLS_FILE).write_text(
            json.dumps({"https": deps.https_url, "http": deps.http_url, "rtsp_port": rtsp_port})
        )
        log.info("dashboard on %s (and %s)", deps.https_url, deps.http_url)
        yield deps


async def serve(settings: WebSettings, ready: asyncio.Event | None = None) -> None:
    await serve_service(settings, handlers=HANDLERS, build_deps=build_deps, ready=ready)


def run() -> None:
    lifecycle.run(serve(WebSettings()))
