"""The hardware and time the io service depends on, as interfaces; adapters/ implements them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from actkit_core.clock import Clock
from actkit_proto.io import Circuit, Direction, LedColour


class HardwareError(Exception):
    """A GPIO line could not be opened, read or written; the message names the line."""


class Switch(StrEnum):
    """The board's two-state inputs that are not ports."""

    BUTTON = "button"
    IGNITION = "ignition"


@dataclass(frozen=True)
class Edge:
    """A port's circuit changed at monotonic time ``at_ns``."""

    port_id: int
    circuit: Circuit
    at_ns: int


@dataclass(frozen=True)
class SwitchEdge:
    """The control button or the ignition switched at monotonic time ``at_ns``."""

    switch: Switch
    is_on: bool
    at_ns: int


class GpioPort(Protocol):
    """The GPIO lines behind the connector's ports, the button, the ignition and the LED."""

    async def configure(self, port_id: int, direction: Direction, debounce_ms: int) -> None:
        """(Re)open a port's line; an output starts open, as during a restart."""

    async def read(self, port_id: int) -> Circuit:
        """The port's circuit now (cut/short when the board supervises the loop)."""

    async def write(self, port_id: int, circuit: Circuit) -> None:
        """Drive an output's circuit open or closed."""

    async def is_on(self, switch: Switch) -> bool:
        """Whether the button is pressed, or the ignition on."""

    async def show(self, colour: LedColour) -> None:
        """Light the status LED in a colour (or switch it off)."""

    def edges(self) -> AsyncIterator[Edge | SwitchEdge]:
        """Every change of an input's circuit or a switch, debounced, as it happens."""

    async def close(self) -> None:
        """Release the lines."""


class Cancellable(Protocol):
    """A scheduled call that can be called off."""

    def cancel(self) -> None:
        """Call it off; nothing happens when it already ran."""


class Timers(Clock, Protocol):
    """The clock and calls scheduled on it, injected so that unit tests advance it, not sleep."""

    def call_later(self, delay_ms: int, callback: Callable[[], Awaitable[None]]) -> Cancellable:
        """Run ``callback`` once after ``delay_ms``."""


@dataclass(frozen=True)
class LineView:
    """What the simulated wiring sees on a port's line."""

    circuit: Circuit
    writes: list[Circuit]
    """Every circuit the service drove the line to, oldest first."""


class Simulator(Protocol):
    """Scripted wiring for a simulated board (``sim.io.*`` on the bus)."""

    def drive(self, port_id: int, circuit: Circuit) -> None:
        """Put a simulated input's circuit in a state, as wiring would."""

    def switch(self, switch: Switch, is_on: bool) -> None:
        """Press or release the button, switch the ignition."""

    def line(self, port_id: int) -> LineView:
        """A port's line as the wiring sees it."""

    def led(self) -> LedColour:
        """The colour the status LED shows."""
