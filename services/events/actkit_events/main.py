"""Composition root of the events service: builds its dependencies and serves its handlers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from actkit_core import lifecycle
from actkit_core.clock import Clock, SystemClock
from actkit_core.lifecycle import Runtime, serve_service
from actkit_core.tasks import stop_task
from actkit_events.adapters.clients import ClientNotifier
from actkit_events.domain.log import EventLogRing
from actkit_events.domain.rules import Engine
from actkit_events.handlers import HANDLERS, Deps
from actkit_events.handlers.actions import carry_out, resume
from actkit_events.handlers.checks import known_board
from actkit_events.handlers.coalescing import coalescing
from actkit_events.handlers.deps import Timetable
from actkit_events.handlers.reactions import catch_up, read_current_values
from actkit_events.handlers.reflexes import keep_owners_told, tell_owners
from actkit_events.handlers.rules import tell_beacons
from actkit_events.handlers.schedules import tick
from actkit_events.handlers.time_zone import follow_time_zone, read_time_zone
from actkit_events.settings import EventsSettings
from actkit_events.store import recipient_store, rule_store, schedule_store
from actkit_proto.errors import BusError
from actkit_proto.events import MAX_SCHEDULES, RuleChanged
from actkit_proto.system import TimeZoneChanged

log = logging.getLogger(__name__)

MIGRATIONS = "actkit_events:migrations"


def assemble(settings: EventsSettings, runtime: Runtime, clock: Clock | None = None) -> Deps:
    """The service's dependencies, before anything is loaded; tests pass their own clock."""
    assert runtime.sessions is not None
    clock = clock or SystemClock()
    return Deps(
        bus=runtime.bus,
        rules=rule_store(runtime.sessions, settings.max_rules),
        recipients=recipient_store(runtime.sessions, settings.max_recipients),
        schedules=schedule_store(runtime.sessions, MAX_SCHEDULES),
        engine=Engine(),
        log=EventLogRing(settings.log_size),
        timetable=Timetable(origin=clock.now()),
        notifier=ClientNotifier(),
        clock=clock,
    )


@contextlib.asynccontextmanager
async def build_deps(settings: EventsSettings, runtime: Runtime) -> AsyncIterator[Deps]:
    deps = assemble(settings, runtime)

    async def adopt_time_zone(event: TimeZoneChanged) -> None:
        await follow_time_zone(event, deps)

    # Subscribed before start_rules reads the kept zone, not when the handler table is served
    # after it: a zone the system service tells in between would otherwise be missed.
    await runtime.bus.subscribe(TimeZoneChanged, adopt_time_zone)
    await start_rules(deps)
    scheduler = asyncio.create_task(run_timetable(deps))
    teller = asyncio.create_task(keep_owners_told(deps))
    try:
        yield deps
    finally:
        await stop_task(teller)
        await stop_task(scheduler)
        for task in list(deps.tasks):
            task.cancel()


async def start_rules(deps: Deps) -> None:
    """Load the rules, read what is active now, and resume: a restart forgets nothing."""
    deps.timetable.specs.update(await deps.schedules.all())
    await read_time_zone(deps)
    try:
        await read_current_values(deps)
        was_active = {c.rule_id for c in await deps.bus.current(RuleChanged) if c.is_active}
    except BusError as exc:
        log.warning("could not read the current state, starting from nothing: %s", exc.message)
        was_active = set()
    for rule_id, spec in (await deps.rules.all()).items():
        deps.engine.put(rule_id, spec, is_active=rule_id in was_active)
    await tell_beacons(deps, always=True)
    # Told before the rules settle, so that io and ble, not events, carry out what they follow.
    if await known_board(deps) is None:
        deps.reflexes_due.set()
    await tell_owners(deps)
    now = deps.clock.now()
    await tick(deps, now)
    transitions = deps.engine.settle(now)
    changed = {t.rule_id for t in transitions}
    await carry_out(transitions, deps)
    for rule_id, state in sorted(deps.engine.rules.items()):
        if state.is_active and rule_id not in changed:
            await resume(rule_id, state.spec, deps)


async def run_timetable(deps: Deps) -> None:
    """Apply schedules and pulses as time passes; wake early when a schedule changes."""
    timetable = deps.timetable
    while True:
        try:
            wake = await tick(deps, deps.clock.now())
        except Exception:
            log.exception("schedule tick failed")
            wake = deps.clock.now()
        timeout = max(0.0, (wake - deps.clock.now()).total_seconds())
        timetable.changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(timetable.changed.wait(), timeout=max(timeout, 0.01))


async def serve(settings: EventsSettings, ready: asyncio.Event | None = None) -> None:
    await serve_service(
        settings,
        handlers=HANDLERS,
        build_deps=build_deps,
        migrations=MIGRATIONS,
        ready=ready,
        coalescing=lambda deps: coalescing(deps, settings.backlog_limit),
        served=catch_up,
    )


def run() -> None:
    lifecycle.run(serve(EventsSettings()))
