"""GPIO through the Linux character device (python-periphery): the real board's adapter.

Edges come from the kernel's line events, read when the line fd becomes readable on the event
loop; debounce is done here in software because periphery does not expose the kernel's. Edges
wait for the service in an :class:`EdgeBacklog`, bounded however fast a line chatters.
A supervised port has two lines: its sense line (high when the loop is closed) and the
end-of-line detector (high when the loop is cut or shorted).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from periphery import CdevGPIO

from actkit_io.adapters.edge_backlog import EDGE_BACKLOG_LIMIT, EdgeBacklog
from actkit_io.domain.profile import BoardProfile, LineSpec
from actkit_io.ports import Cancellable, Edge, HardwareError, Switch, SwitchEdge, Timers
from actkit_proto.io import Circuit, Direction, LedColour

SWITCH_DEBOUNCE_MS = 20


def _open(spec: LineSpec, direction: str, label: str) -> CdevGPIO:
    """Open a line as an input with edges, or as an output that starts logically low."""
    # periphery inverts the initial value of an active-low output although the kernel already
    # takes requested values as logical, so "low" would start an inverted output active.
    initial = "high" if spec.active_low else "low"
    try:
        if direction == "in":
            return CdevGPIO(
                spec.chip, spec.line, "in", edge="both", inverted=spec.active_low, label=label
            )
        return CdevGPIO(spec.chip, spec.line, initial, inverted=spec.active_low, label=label)
    except (OSError, LookupError) as exc:
        raise HardwareError(f"{label}: cannot open {spec.chip} line {spec.line!r}: {exc}") from None


def circuit_of(is_closed: bool, is_faulted: bool) -> Circuit:
    """A port's circuit from its sense and supervision lines."""
    if is_faulted:
        return Circuit.SHORT if is_closed else Circuit.CUT
    return Circuit.CLOSED if is_closed else Circuit.OPEN


@dataclass
class _Watched:
    """The lines of one port or switch, and its debounce state."""

    lines: list[CdevGPIO]
    debounce_ms: int
    reported: object = None
    pending: Cancellable | None = field(default=None)


class PeripheryGpio:
    """The board's GPIO lines, opened as the profile says."""

    def __init__(
        self, profile: BoardProfile, timers: Timers, edge_limit: int = EDGE_BACKLOG_LIMIT
    ) -> None:
        self._profile = profile
        self._ports = profile.ports()
        self._timers = timers
        self._loop = asyncio.get_running_loop()
        self._edges = EdgeBacklog(edge_limit)
        self._watched: dict[int | Switch, _Watched] = {}
        self._outputs: dict[int, CdevGPIO] = {}
        switches = {Switch.BUTTON: profile.button, Switch.IGNITION: profile.ignition}
        for switch, spec in switches.items():
            line = _open(spec, "in", f"actkit {switch}")
            self._watch(switch, [line], SWITCH_DEBOUNCE_MS, line.read())
        self._led = [
            _open(profile.led.red, "out", "actkit led red"),
            _open(profile.led.green, "out", "actkit led green"),
        ]

    async def configure(self, port_id: int, direction: Direction, debounce_ms: int) -> None:
        """(Re)open a port's lines; an output starts open (inactive line)."""
        self._release(port_id)
        spec = self._ports[port_id]
        label = f"actkit port {port_id}"
        if direction is Direction.OUTPUT:
            self._outputs[port_id] = _open(spec.line, "out", label)
            return
        lines = [_open(spec.line, "in", label)]
        if spec.supervision is not None:
            lines.append(_open(spec.supervision, "in", f"{label} supervision"))
        self._watch(port_id, lines, debounce_ms, self._circuit(lines))

    async def read(self, port_id: int) -> Circuit:
        """The port's circuit now."""
        if port_id in self._outputs:
            return Circuit.CLOSED if self._outputs[port_id].read() else Circuit.OPEN
        return self._circuit(self._watched[port_id].lines)

    async def write(self, port_id: int, circuit: Circuit) -> None:
        """Close (line high) or open an output's circuit."""
        try:
            self._outputs[port_id].write(circuit is Circuit.CLOSED)
        except OSError as exc:
            raise HardwareError(f"port {port_id}: cannot drive its line: {exc}") from None

    async def is_on(self, switch: Switch) -> bool:
        """Whether the button is pressed or the ignition on."""
        return bool(self._watched[switch].lines[0].read())

    async def show(self, colour: LedColour) -> None:
        """Light the bicolour LED: amber is both."""
        red, green = self._led
        red.write(colour in (LedColour.RED, LedColour.AMBER))
        green.write(colour in (LedColour.GREEN, LedColour.AMBER))

    async def edges(self) -> AsyncIterator[Edge | SwitchEdge]:
        """Debounced edges of inputs and switches; a chattering line's old ones may give way."""
        while True:
            yield await self._edges.get()

    async def close(self) -> None:
        """Release every line."""
        for key in [*self._watched, *self._outputs]:
            self._release(key)
        for line in self._led:
            line.close()

    def _watch(
        self, key: int | Switch, lines: list[CdevGPIO], debounce_ms: int, state: object
    ) -> None:
        watched = _Watched(lines, debounce_ms, state)
        self._watched[key] = watched
        for line in lines:
            self._loop.add_reader(line.fd, self._on_event, key, line)

    def _release(self, key: int | Switch) -> None:
        watched = self._watched.pop(key, None)
        if watched is not None:
            if watched.pending is not None:
                watched.pending.cancel()
            for line in watched.lines:
                self._loop.remove_reader(line.fd)
                line.close()
        output = self._outputs.pop(key, None) if isinstance(key, int) else None
        if output is not None:
            output.close()

    @staticmethod
    def _circuit(lines: list[CdevGPIO]) -> Circuit:
        is_faulted = len(lines) > 1 and bool(lines[1].read())
        return circuit_of(bool(lines[0].read()), is_faulted)

    def _on_event(self, key: int | Switch, line: CdevGPIO) -> None:
        line.read_event()
        watched = self._watched.get(key)
        if watched is None:
            return
        at_ns = time.monotonic_ns()
        if watched.debounce_ms == 0:
            self._settle(key, at_ns)
            return
        if watched.pending is not None:
            watched.pending.cancel()

        async def settle() -> None:
            self._settle(key, at_ns)

        watched.pending = self._timers.call_later(watched.debounce_ms, settle)

    def _settle(self, key: int | Switch, at_ns: int) -> None:
        """Report the lines' state if it differs from the last one reported."""
        watched = self._watched.get(key)
        if watched is None:
            return
        watched.pending = None
        if isinstance(key, Switch):
            is_on = bool(watched.lines[0].read())
            if is_on != watched.reported:
                watched.reported = is_on
                self._edges.put(SwitchEdge(key, is_on, at_ns))
            return
        circuit = self._circuit(watched.lines)
        if circuit != watched.reported:
            watched.reported = circuit
            self._edges.put(Edge(key, circuit, at_ns))
