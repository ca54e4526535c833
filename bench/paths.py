"""End-to-end paths through the running stack, timed edge by edge."""

from __future__ import annotations

import asyncio
import time

from actkit_core.bus import Bus
from actkit_proto.io import Circuit, DriveInput, PortChanged
from bench.stats import Latency, LostEvents

EVENT_TIMEOUT_S = 2.0


async def drive_and_watch(bus: Bus, name: str, input_id: int, watched: int, count: int) -> Latency:
    """Drive sim input ``input_id`` closed/open ``count`` times; time until ``watched`` changes.

    Raises:
        LostEvents: a drive produced no change of ``watched`` in time.
    """
    changes: asyncio.Queue[tuple[int, PortChanged]] = asyncio.Queue()

    async def arrive(event: PortChanged) -> None:
        changes.put_nowait((time.perf_counter_ns(), event))

    await bus.subscribe(PortChanged, arrive, port_id=str(watched))
    await bus.client.flush()
    latency = Latency(name)
    for index in range(count):
        circuit = Circuit.CLOSED if index % 2 == 0 else Circuit.OPEN
        started = time.perf_counter_ns()
        await bus.request(DriveInput(port_id=input_id, circuit=circuit))
        try:
            arrived, _event = await asyncio.wait_for(changes.get(), EVENT_TIMEOUT_S)
        except TimeoutError:
            raise LostEvents(
                f"{name}: edge {index} produced no io.port.{watched}.changed"
            ) from None
        latency.add_ns(arrived - started)
    return latency
