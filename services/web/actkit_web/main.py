"""Composition root of the web service: the app, its HTTPS, HTTP and RTSP servers, the feed."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from actkit_core import lifecycle
from actkit_core.bus import Handlers
from actkit_core.lifecycle import Runtime, serve_service
from actkit_proto.accounts import WebCertificateChanged
from actkit_proto.events import RuleChanged
from actkit_proto.io import PortChanged
from actkit_proto.network import HttpChanged
from actkit_proto.system import NetworkTraceProgressed, UpgradeProgressed
from actkit_web.app import create_app
from actkit_web.http.certificate import fetch_identity
from actkit_web.http.digest_leases import watch_digest_leases
from actkit_web.http.protocol import CONNECTION_LIMITS, ConnectionLimits, guarded_protocol
from actkit_web.http.serving import Listener, WebServers, told_http_access
from actkit_web.onvif.events import notify_port_change, notify_rule_change
from actkit_web.settings import WebSettings
from actkit_web.vapix.rtsp import RtspEventServer

log = logging.getLogger(__name__)


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


@contextlib.asynccontextmanager
async def build_deps(settings: WebSettings, runtime: Runtime) -> AsyncIterator[Deps]:
    app = create_app(settings, runtime.bus)
    queue_for_onvif = notify_port_change(app.state.onvif)

    async def deliver_port_change(event: PortChanged) -> None:
        # One subscription for both: each change crosses the bus and is decoded once.
        await app.state.feed.deliver(event)
        await queue_for_onvif(event)

    # Held only while a page, a VAPIX or RTSP event stream or an ONVIF pull point listens:
    # nobody listening, the web hears none of io's edges.
    await app.state.port_changes.attach(
        lambda: runtime.bus.subscribe(PortChanged, deliver_port_change)
    )
    await app.state.onvif.rule_changes.attach(
        lambda: runtime.bus.subscribe(RuleChanged, notify_rule_change(app.state.onvif))
    )
    await runtime.bus.subscribe(UpgradeProgressed, app.state.progress.deliver)
    await runtime.bus.subscribe(NetworkTraceProgressed, app.state.progress.deliver)
    await watch_digest_leases(runtime.bus, app.state.digest_leases)
    certificate, key = await fetch_identity(
        runtime.bus, settings.data_dir, settings.accounts_wait_s, settings.bus_timeout_s
    )
    servers = WebServers(
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
    # Subscribed before the read: what the network tells meanwhile is not lost.
    await runtime.bus.subscribe(HttpChanged, servers.follow)
    await servers.start(await told_http_access(runtime.bus))
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
        await asyncio.gather(servers.http.stop(), servers.https.stop())


async def serve(settings: WebSettings, ready: asyncio.Event | None = None) -> None:
    await serve_service(settings, handlers=HANDLERS, build_deps=build_deps, ready=ready)


YOUNG_COLLECTION_AFTER = 7000
"""Container objects allocated (net) before the collector looks at the youngest generation.

With Python's 700 the web collected about every 20 port.cgi toggles of ``make bench only=vapix``
(32 clients) and freed next to nothing: 3.8 % of its CPU, the longest collection 2.3 ms. At
7,000 the same run had no collection after the start; what one would free waits at most 7,000
objects (a megabyte or two) longer.
"""


def run() -> None:
    # Only when the web is its own process: the collector's settings are the whole process's.
    gc.set_threshold(YOUNG_COLLECTION_AFTER, *gc.get_threshold()[1:])
    lifecycle.run(serve(WebSettings()))
