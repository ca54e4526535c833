"""Composition root of the ble service: builds its dependencies and serves its handlers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from actkit_ble.handlers import HANDLERS, Deps
from actkit_ble.settings import BleSettings
from actkit_core import lifecycle
from actkit_core.lifecycle import Runtime, serve_service


@contextlib.asynccontextmanager
async def build_deps(_settings: BleSettings, runtime: Runtime) -> AsyncIterator[Deps]:
    yield Deps(bus=runtime.bus)


async def serve(settings: BleSettings, ready: asyncio.Event | None = None) -> None:
    await serve_service(settings, handlers=HANDLERS, build_deps=build_deps, ready=ready)


def run() -> None:
    lifecycle.run(serve(BleSettings()))
