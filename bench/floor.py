"""The floor set by the bus itself: a bare nats-py request/reply and a pub→sub hop."""

from __future__ import annotations

import asyncio
import time

import nats
from nats.aio.msg import Msg

from bench.stats import Latency, LostEvents

WARM_UP = 100


async def request_reply(url: str, credentials: dict[str, str], count: int) -> Latency:
    """Requester and responder on separate connections, 64 B payload."""
    responder = await nats.connect(url, **credentials)
    requester = await nats.connect(url, **credentials)

    async def echo(msg: Msg) -> None:
        await msg.respond(msg.data)

    await responder.subscribe("bench.floor.echo", cb=echo)
    await responder.flush()
    latency = Latency("bus_floor_request")
    payload = b"x" * 64
    for index in range(WARM_UP + count):
        started = time.perf_counter_ns()
        await requester.request("bench.floor.echo", payload, timeout=2)
        if index >= WARM_UP:
            latency.add_ns(time.perf_counter_ns() - started)
    await requester.close()
    await responder.close()
    return latency


async def publish_subscribe(url: str, credentials: dict[str, str], count: int) -> Latency:
    """One hop: publish on one connection, receive on another, one message in flight."""
    publisher = await nats.connect(url, **credentials)
    subscriber = await nats.connect(url, **credentials)
    received: asyncio.Queue[int] = asyncio.Queue()

    async def arrive(_msg: Msg) -> None:
        received.put_nowait(time.perf_counter_ns())

    await subscriber.subscribe("bench.floor.hop", cb=arrive)
    await subscriber.flush()
    latency = Latency("bus_floor_hop")
    for index in range(WARM_UP + count):
        started = time.perf_counter_ns()
        await publisher.publish("bench.floor.hop", b"x" * 64)
        await publisher.flush()
        try:
            arrived = await asyncio.wait_for(received.get(), 2)
        except TimeoutError:
            raise LostEvents(f"pub→sub lost message {index}") from None
        if index >= WARM_UP:
            latency.add_ns(arrived - started)
    await publisher.close()
    await subscriber.close()
    return latency
