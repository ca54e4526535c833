"""Composition root of the io service: builds its dependencies and serves its handlers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from actkit_core import lifecycle
from actkit_core.lifecycle import Runtime, serve_service
from actkit_io.adapters.sim import SimGpio
from actkit_io.domain import Board, default_ports
from actkit_io.handlers import HANDLERS, Deps, report_edge
from actkit_io.settings import IoSettings
from actkit_io.store import PortStore
from actkit_proto.io import Direction

log = logging.getLogger(__name__)

MIGRATIONS = "actkit_io:migrations"


@contextlib.asynccontextmanager
async def build_deps(_settings: IoSettings, runtime: Runtime) -> AsyncIterator[Deps]:
    assert runtime.sessions is not None
    store = PortStore(runtime.sessions)
    board = Board.from_configs(await store.load(default_ports()))
    gpio = SimGpio()
    for port_id, config in board.configs.items():
        if config.direction is Direction.OUTPUT:
            await gpio.write(port_id, config.normal_state)
        else:
            board.record(port_id, await gpio.read(port_id))
    deps = Deps(store=store, bus=runtime.bus, gpio=gpio, board=board, simulator=gpio)
    watcher = asyncio.create_task(_watch_inputs(deps))
    try:
        yield deps
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def _watch_inputs(deps: Deps) -> None:
    async for edge in deps.gpio.edges():
        try:
            await report_edge(edge, deps)
        except Exception:
            # One lost report must not stop the watch: the next edge carries the full state.
            log.exception("could not report %s", edge)


async def serve(settings: IoSettings, ready: asyncio.Event | None = None) -> None:
    await serve_service(
        settings,
        handlers=HANDLERS,
        build_deps=build_deps,
        migrations=MIGRATIONS,
        adapter=settings.adapter,
        ready=ready,
    )


def run() -> None:
    lifecycle.run(serve(IoSettings()))
