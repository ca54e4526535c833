"""End-to-end paths through the running stack, timed from the drive to the awaited event."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from actkit_core.bus import Bus
from actkit_proto.base import Event
from actkit_proto.io import Circuit, DriveInput
from bench.stats import Latency, LostEvents

EVENT_TIMEOUT_S = 2.0
E = TypeVar("E", bound=Event)


Stimulus = Callable[[int], Awaitable[object]]
"""Cause edge number ``index`` (even: on, odd: off)."""


def drive_input(bus: Bus, input_id: int) -> Stimulus:
    """Wire a simulated input closed on even edges and open on odd ones."""

    def drive(index: int) -> Awaitable[object]:
        circuit = Circuit.CLOSED if index % 2 == 0 else Circuit.OPEN
        return bus.request(DriveInput(port_id=input_id, circuit=circuit))

    return drive


async def time_path(
    bus: Bus,
    name: str,
    stimulus: Stimulus,
    watched: type[E],
    count: int,
    **ids: str,
) -> Latency:
    """Cause ``count`` edges; time each until the ``watched`` event it leads to arrives.

    Raises:
        LostEvents: an edge produced no ``watched`` event in time.
    """
    arrivals: asyncio.Queue[int] = asyncio.Queue()

    async def arrive(_event: E) -> None:
        arrivals.put_nowait(time.perf_counter_ns())

    await bus.subscribe(watched, arrive, **ids)
    await bus.client.flush()
    latency = Latency(name)
    for index in range(count):
        started = time.perf_counter_ns()
        await stimulus(index)
        try:
            arrived = await asyncio.wait_for(arrivals.get(), EVENT_TIMEOUT_S)
        except TimeoutError:
            subject = watched.subject_pattern(**ids)
            raise LostEvents(f"{name}: edge {index} produced no {subject}") from None
        latency.add_ns(arrived - started)
    return latency
