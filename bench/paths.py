"""End-to-end paths through the running stack, timed from the drive to the awaited event."""

from __future__ import annotations

import asyncio
import time
from typing import TypeVar

from actkit_core.bus import Bus
from actkit_proto.base import Event
from actkit_proto.io import Circuit, DriveInput
from bench.stats import Latency, LostEvents

EVENT_TIMEOUT_S = 2.0
E = TypeVar("E", bound=Event)


async def drive_and_watch(
    bus: Bus,
    name: str,
    input_id: int,
    watched: type[E],
    count: int,
    **ids: str,
) -> Latency:
    """Drive sim input ``input_id`` closed/open ``count`` times; time until ``watched`` arrives.

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
        circuit = Circuit.CLOSED if index % 2 == 0 else Circuit.OPEN
        started = time.perf_counter_ns()
        await bus.request(DriveInput(port_id=input_id, circuit=circuit))
        try:
            arrived = await asyncio.wait_for(arrivals.get(), EVENT_TIMEOUT_S)
        except TimeoutError:
            subject = watched.subject_pattern(**ids)
            raise LostEvents(f"{name}: edge {index} produced no {subject}") from None
        latency.add_ns(arrived - started)
    return latency
