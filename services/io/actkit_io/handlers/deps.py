"""What every handler of the io service is given."""

from __future__ import annotations

from dataclasses import dataclass, field

from actkit_core.bus import Publisher
from actkit_core.clock import Clock
from actkit_io.domain.board import Board, PortConfig
from actkit_io.domain.button import ControlButton
from actkit_io.domain.reflexes import ReflexTable
from actkit_io.handlers.led import LedPlayer
from actkit_io.ports import GpioPort, Simulator, Timers
from actkit_io.store import PortStore


@dataclass(frozen=True)
class Deps:
    store: PortStore
    bus: Publisher
    gpio: GpioPort
    board: Board
    timers: Timers
    led: LedPlayer
    button: ControlButton
    defaults: tuple[PortConfig, ...]
    """Every port as the board file sets it up: what a restore goes back to."""
    simulator: Simulator | None = None
    """The simulated wiring, when the hardware is simulated."""
    reflexes: ReflexTable = field(default_factory=ReflexTable)
    """The rules io carries out itself on its inputs' edges (see ``SetReflexes``)."""


def monotonic_ns(clock: Clock) -> int:
    """The monotonic clock in nanoseconds, as edges are stamped."""
    return round(clock.monotonic() * 1_000_000_000)
