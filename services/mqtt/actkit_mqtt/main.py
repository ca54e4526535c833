"""Composition root of the mqtt service: builds its dependencies and serves its handlers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from actkit_core import lifecycle
from actkit_core.lifecycle import Runtime, serve_service
from actkit_core.tasks import stop_task
from actkit_mqtt.adapters.paho import PahoBroker
from actkit_mqtt.handlers import HANDLERS, Deps, demand, handle_report, load_state
from actkit_mqtt.handlers.identity import learn_identity
from actkit_mqtt.ports import Report
from actkit_mqtt.settings import MqttSettings
from actkit_mqtt.store import MqttStore
from actkit_proto.mqtt import ClientStatusChanged

log = logging.getLogger(__name__)

MIGRATIONS = "actkit_mqtt:migrations"


@contextlib.asynccontextmanager
async def build_deps(settings: MqttSettings, runtime: Runtime) -> AsyncIterator[Deps]:
    assert runtime.sessions is not None
    store = MqttStore(runtime.sessions)
    reports: asyncio.Queue[Report] = asyncio.Queue()
    broker = PahoBroker(
        reports.put_nowait, retry_min_s=settings.retry_min_s, retry_max_s=settings.retry_max_s
    )
    deps = Deps(
        store=store,
        bus=runtime.bus,
        broker=broker,
        state=await load_state(store),
        on_demand=demand.on_demand(runtime.bus),
    )
    status = deps.state.status
    await deps.bus.publish(ClientStatusChanged(state=status.state, reason=status.reason))
    consumer = asyncio.create_task(consume_reports(reports, deps), name="mqtt-reports")
    # The client connects once the system service has told the serial (its topic prefix).
    identity = asyncio.create_task(
        learn_identity(deps, settings.retry_min_s, settings.retry_max_s), name="mqtt-identity"
    )
    try:
        yield deps
    finally:
        await stop_task(identity)
        await broker.disconnect(report=False)
        await stop_task(consumer)


async def consume_reports(reports: asyncio.Queue[Report], deps: Deps) -> None:
    """Hand each report of the broker connection to the handlers, in order, until cancelled."""
    while True:
        report = await reports.get()
        try:
            await handle_report(report, deps)
        except Exception:
            # One lost report must not stop the others: the next status carries the full state.
            log.exception("could not handle %s", report)


async def serve(settings: MqttSettings, ready: asyncio.Event | None = None) -> None:
    await serve_service(
        settings,
        handlers=HANDLERS,
        build_deps=build_deps,
        migrations=MIGRATIONS,
        adapter="paho",
        ready=ready,
    )


def run() -> None:
    lifecycle.run(serve(MqttSettings()))
