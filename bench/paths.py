"""End-to-end paths through the running stack, timed from the drive to the awaited event."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from nats.aio.msg import Msg

from actkit_core.bus import Bus
from actkit_proto.base import Event
from actkit_proto.io import Circuit, DriveInput
from actkit_proto.service import GetServiceStatus
from bench.stats import Latency, LostEvents

EVENT_TIMEOUT_S = 2.0
SETTLE_TIMEOUT_S = 30.0
BUSY_SERVICES = ("io", "events", "mqtt", "ble")
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
    *,
    gap_s: float = 0.0,
    **ids: str,
) -> Latency:
    """Cause ``count`` edges; time each until the ``watched`` event it leads to arrives.

    Even edges switch on and odd ones off; an event whose ``is_active`` does not match is an
    echo of something else and is not counted. Each edge comes ``gap_s`` after the event the
    one before led to (the first, after the services settled): with none, it meets what that
    edge still left to do (a bucket write, an answer, the rule's events).

    Starts once the services have handled what earlier paths sent them: a backlog left in the
    events service would delay the first edge and answer later ones with echoes of older ones.

    Raises:
        LostEvents: an edge produced no ``watched`` event in time.
    """
    await settle(bus)
    arrivals: asyncio.Queue[tuple[int, E]] = asyncio.Queue()
    subject = watched.subject_pattern(**ids)

    async def arrive(msg: Msg) -> None:
        arrivals.put_nowait((time.perf_counter_ns(), watched.from_wire(msg.subject, msg.data)))

    # Unsubscribed at the end: a path's subscription left behind would go on decoding and
    # queueing every later event on its subject (the flood's too) in the bench's own process.
    subscription = await bus.client.subscribe(subject, cb=arrive)
    await bus.client.flush()
    latency = Latency(name)
    try:
        for index in range(count):
            if gap_s:
                await asyncio.sleep(gap_s)
            while not arrivals.empty():  # late echoes of an earlier path
                arrivals.get_nowait()
            expected = index % 2 == 0
            started = time.perf_counter_ns()
            await stimulus(index)
            try:
                arrived = await asyncio.wait_for(_first(arrivals, expected), EVENT_TIMEOUT_S)
            except TimeoutError:
                raise LostEvents(f"{name}: edge {index} produced no {subject}") from None
            latency.add_ns(arrived - started)
    finally:
        await subscription.unsubscribe()
    return latency


async def settle(bus: Bus) -> None:
    """Wait until the busy services have nothing left to handle.

    Settled is when asking each service its status twice, 50 ms apart, finds it has handled
    nothing in between but the question itself.

    Raises:
        LostEvents: they were still busy after ``SETTLE_TIMEOUT_S``.
    """
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    before: list[int] = []
    while time.monotonic() < deadline:
        handled = [
            (await bus.request(GetServiceStatus(service=service))).handled
            for service in BUSY_SERVICES
        ]
        if handled == [count + 1 for count in before]:
            return
        before = handled
        await asyncio.sleep(0.05)
    raise LostEvents(f"{', '.join(BUSY_SERVICES)} were still busy after {SETTLE_TIMEOUT_S:.0f} s")


async def _first(arrivals: asyncio.Queue[tuple[int, E]], is_active: bool) -> int:
    """When the first event showing the expected activity arrived."""
    while True:
        arrived, event = await arrivals.get()
        if getattr(event, "is_active", is_active) == is_active:
            return arrived


async def events_per_s(bus: Bus, service: str, events: Sequence[Event]) -> float:
    """Publish ``events`` as fast as the bus takes them; the rate at which ``service`` handled them.

    Raises:
        LostEvents: the service did not handle every event.
    """
    before = (await bus.request(GetServiceStatus(service=service))).handled
    started = time.perf_counter()
    for event in events:
        await bus.client.publish(event.to_subject(), event.to_wire())
    await bus.client.flush()
    expected = before + len(events) + 1  # the status request itself counts once
    for _ in range(3000):
        handled = (await bus.request(GetServiceStatus(service=service))).handled
        if handled >= expected:
            return len(events) / (time.perf_counter() - started)
        await asyncio.sleep(0.01)
    raise LostEvents(f"{service} handled {handled - before - 1} of {len(events)} events")
