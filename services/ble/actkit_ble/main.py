"""Composition root of the ble service: builds its dependencies and serves its handlers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator

from actkit_ble.adapters.bluez import BluezRadio
from actkit_ble.adapters.sim import SimRadio
from actkit_ble.domain.broadcasts import Broadcasts
from actkit_ble.domain.reception import Receiver
from actkit_ble.handlers import HANDLERS, Deps
from actkit_ble.handlers.adapter import report_radio_state
from actkit_ble.handlers.broadcasts import expire_due
from actkit_ble.handlers.reception import follow_rule_beacons, report_sighting
from actkit_ble.handlers.reflexes import announce_reflexes, read_inputs, take_reflexes
from actkit_ble.ports import BeaconRadio, BeaconSimulator
from actkit_ble.settings import BleSettings
from actkit_ble.store import SettingsStore
from actkit_core import lifecycle
from actkit_core.bus import Publisher
from actkit_core.coalescing import Coalescing, newest
from actkit_core.lifecycle import Runtime, report_each, serve_service
from actkit_core.tasks import stop_task
from actkit_proto.beacon import CODECS
from actkit_proto.errors import BusError
from actkit_proto.events import RuleBeaconsChanged
from actkit_proto.io import PortChanged

log = logging.getLogger(__name__)

MIGRATIONS = "actkit_ble:migrations"

TIMER_FLOOR_S = 0.01

INPUTS = Coalescing({PortChanged: newest}, limit=2 * 64)
"""The ports' changes while ble is behind (a chattering input): each port's newest is what the
reflexes follow. At most twice the 64 ports a board may have wait: at the limit each port keeps
its newest and none is refused, and a flood keeps ble's memory down (its pages 9.6-9.8 MB after
``make bench only=memory`` against 10.7 with the default bound)."""


@contextlib.asynccontextmanager
async def open_radio(
    settings: BleSettings,
) -> AsyncIterator[tuple[BeaconRadio, BeaconSimulator | None]]:
    """The radio the settings name, and the simulator when it is simulated."""
    if settings.adapter == "bluez":
        async with BluezRadio.open(
            settings.controller, settings.dbus_address, settings.dbus_timeout_s
        ) as radio:
            yield radio, None
    else:
        sim = SimRadio(repeat_s=settings.sim_repeat_s, supported_instances=settings.max_broadcasts)
        yield sim, sim


@contextlib.asynccontextmanager
async def build_deps(settings: BleSettings, runtime: Runtime) -> AsyncIterator[Deps]:
    assert runtime.sessions is not None
    store = SettingsStore(runtime.sessions)
    beacon_settings = await store.load()
    rule_system_ids = await _rule_system_ids(runtime.bus) or []
    async with open_radio(settings) as (radio, simulator):
        deps = Deps(
            store=store,
            bus=runtime.bus,
            radio=radio,
            # A random first sequence: receivers that remember the last one from before a
            # restart must not take the first new beacon for a repeat.
            broadcasts=Broadcasts(secrets.randbelow(256), settings.max_broadcasts),
            receiver=Receiver(beacon_settings, rule_system_ids, CODECS[settings.beacon_layout]),
            simulator=simulator,
        )
        await radio.scan(deps.receiver.is_watching)
        # The rules it carries out itself, on the inputs as the bucket keeps them.
        await read_inputs(deps)
        await take_reflexes(deps, await store.load_reflexes())
        await announce_reflexes(deps)
        tasks = [
            asyncio.create_task(report_each(radio.states(), report_radio_state, deps)),
            asyncio.create_task(report_each(radio.sightings(), report_sighting, deps)),
            asyncio.create_task(_run_timers(deps)),
        ]
        try:
            yield deps
        finally:
            for task in tasks:
                await stop_task(task)
            for system_id in list(deps.broadcasts.beacons()):
                with contextlib.suppress(Exception):
                    await radio.withdraw(system_id)


async def _rule_system_ids(bus: Publisher) -> list[int] | None:
    """The System IDs rules wait for, as events last told them; ``None`` when unreadable."""
    try:
        told = await bus.current(RuleBeaconsChanged)
    except BusError as exc:
        log.warning("could not read the System IDs rules wait for: %s", exc.message)
        return None
    return told[0].system_ids if told else []


async def _run_timers(deps: Deps) -> None:
    while True:
        deps.wakeup.clear()
        try:
            deadline = await expire_due(deps)
        except Exception:
            log.exception("could not expire broadcasts or presences")
            deadline = deps.clock.monotonic() + 1
        # A floor, so a deadline that float rounding leaves unexpired cannot spin the loop.
        timeout_s = (
            None if deadline is None else max(TIMER_FLOOR_S, deadline - deps.clock.monotonic())
        )
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await deps.wakeup.wait()


async def serve(settings: BleSettings, ready: asyncio.Event | None = None) -> None:
    built: list[Deps] = []
    served = asyncio.Event()

    @contextlib.asynccontextmanager
    async def build_and_keep(settings: BleSettings, runtime: Runtime) -> AsyncIterator[Deps]:
        async with build_deps(settings, runtime) as deps:
            built.append(deps)
            yield deps

    async def catch_up() -> None:
        await served.wait()
        # build_deps read the System IDs rules wait for before the handler table subscribed to
        # their changes: read them again now, so one told in between (events starting at the
        # same time) is not missed until the next rule change. A change the subscription has
        # delivered meanwhile is newer than what the bucket may still hold: it wins.
        [deps] = built
        system_ids = await _rule_system_ids(deps.bus)
        if system_ids is not None and deps.receiver.rules_told == 0:
            await follow_rule_beacons(RuleBeaconsChanged(system_ids=system_ids), deps)
        await read_inputs(deps)  # the same for the inputs its reflexes follow
        if ready is not None:
            ready.set()

    catching_up = asyncio.create_task(catch_up())
    try:
        await serve_service(
            settings,
            handlers=HANDLERS,
            build_deps=build_and_keep,
            migrations=MIGRATIONS,
            adapter=settings.adapter,
            ready=served,
            coalescing=lambda _deps: INPUTS,
        )
    finally:
        await stop_task(catching_up)


def run() -> None:
    lifecycle.run(serve(BleSettings()))
