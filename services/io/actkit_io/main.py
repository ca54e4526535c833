"""Composition root of the io service: builds its dependencies and serves its handlers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator

from actkit_core import lifecycle
from actkit_core.lifecycle import Runtime, report_each, serve_service
from actkit_core.tasks import stop_task
from actkit_io.adapters.sim import SimGpio
from actkit_io.adapters.timers import LoopTimers
from actkit_io.domain.board import Board, PortConfig
from actkit_io.domain.button import RESET_HOLD_MAX_NS, RESET_HOLD_MIN_NS, ControlButton
from actkit_io.domain.profile import BoardProfile, ProfileError, load_profile
from actkit_io.domain.reflexes import ReflexTable, check
from actkit_io.handlers import HANDLERS, Deps
from actkit_io.handlers.deps import monotonic_ns
from actkit_io.handlers.led import READY, LedPlayer
from actkit_io.handlers.port import announce_state, drive_output, report_edge
from actkit_io.handlers.reflexes import announce_reflexes
from actkit_io.handlers.switches import follow_button
from actkit_io.ports import GpioPort, HardwareError, Switch, Timers
from actkit_io.settings import IoSettings
from actkit_io.store import PortStore
from actkit_proto.errors import Invalid
from actkit_proto.io import Direction, HoldPort, PulsePort, Reflex, ReleasePort, SetPort

log = logging.getLogger(__name__)

MIGRATIONS = "actkit_io:migrations"
ANSWERED_ONCE_KEPT = (SetPort, PulsePort, HoldPort, ReleasePort)
"""What VAPIX, the REST API and the rules send: the next command is handled while an output's new
state is being kept (a JetStream round trip), and each is answered once its state, or a newer
one, is."""


def open_gpio(settings: IoSettings, profile: BoardProfile, timers: Timers) -> GpioPort:
    """The GPIO adapter the settings ask for."""
    if settings.adapter == "periphery":
        from actkit_io.adapters.periphery import PeripheryGpio

        return PeripheryGpio(profile, timers)
    return SimGpio()


@contextlib.asynccontextmanager
async def build_deps(
    settings: IoSettings,
    runtime: Runtime,
    timers: Timers | None = None,
    gpio: GpioPort | None = None,
) -> AsyncIterator[Deps]:
    """The service's dependencies; tests pass their own ``timers`` and ``gpio``."""
    assert runtime.sessions is not None
    profile = load_profile(settings.board)
    loop_timers = LoopTimers()
    timers = timers or loop_timers
    store = PortStore(runtime.sessions)
    board = Board.from_configs(await store.load(profile.default_configs()), profile.name)
    gpio = gpio or open_gpio(settings, profile, timers)
    try:
        deps = await _start(store, runtime, gpio, board, timers, tuple(profile.default_configs()))
        watcher = asyncio.create_task(report_each(deps.gpio.edges(), report_edge, deps))
        try:
            yield deps
        finally:
            await stop_task(watcher)
    finally:
        await loop_timers.close()
        await gpio.close()


async def _start(
    store: PortStore,
    runtime: Runtime,
    gpio: GpioPort,
    board: Board,
    timers: Timers,
    defaults: tuple[PortConfig, ...],
) -> Deps:
    """Open every line (outputs open, as in a restart), then outputs to normal, then announce."""
    for port_id, config in board.configs.items():
        await gpio.configure(port_id, config.direction, config.debounce_ms)
        if config.direction is Direction.INPUT:
            board.raw[port_id] = await gpio.read(port_id)
    button = ControlButton.at_start(await gpio.is_on(Switch.BUTTON), monotonic_ns(timers))
    simulator = gpio if isinstance(gpio, SimGpio) else None
    led = LedPlayer(gpio, timers)
    deps = Deps(store, runtime.bus, gpio, board, timers, led, button, defaults, simulator)
    # Held before the outputs are driven: an input active at power-on holds its output at once.
    deps.reflexes.replace(ReflexTable.of(_on_board(await store.load_reflexes(), board)), board)
    for port_id, config in board.configs.items():
        if config.direction is Direction.OUTPUT:
            await drive_output(deps, port_id, announce=False)
    await led.play(READY)
    if button.is_power_on_hold:
        _watch_reset_hold(deps)
    await announce_state(deps)
    await announce_reflexes(deps)
    return deps


def _on_board(reflexes: list[Reflex], board: Board) -> list[Reflex]:
    """The stored reflexes whose ports this board has (the board file may have changed)."""
    kept = []
    for reflex in reflexes:
        try:
            check([reflex], board)
        except Invalid as exc:
            log.warning("a stored reflex is not followed: %s", exc.message)
        else:
            kept.append(reflex)
    return kept


def _watch_reset_hold(deps: Deps) -> None:
    async def check() -> None:
        await follow_button(deps, deps.button.tick(monotonic_ns(deps.timers)))

    deps.timers.call_later(RESET_HOLD_MIN_NS // 1_000_000, check)
    deps.timers.call_later(RESET_HOLD_MAX_NS // 1_000_000 + 1, check)


async def serve(settings: IoSettings, ready: asyncio.Event | None = None) -> None:
    await serve_service(
        settings,
        handlers=HANDLERS,
        build_deps=build_deps,
        migrations=MIGRATIONS,
        adapter=settings.adapter,
        ready=ready,
        answered_once_kept=ANSWERED_ONCE_KEPT,
    )


def run() -> None:
    settings = IoSettings()
    try:
        lifecycle.run(serve(settings))
    except (ProfileError, HardwareError) as exc:
        sys.exit(f"io: cannot start: {exc}")
