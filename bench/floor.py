"""The floor set by the bus itself: a bare nats-py request/reply and a pub→sub hop.

``python -m bench.floor URL`` is the echo of :func:`request_reply`: it answers every request on
``ECHO_SUBJECT`` with its payload, as the NATS user named in ``ACTKIT_BENCH_NATS_USER`` (password
in ``ACTKIT_BENCH_NATS_PASSWORD``), and says ``ready`` on its standard output once subscribed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator

import nats
import uvloop
from nats.aio.client import Client
from nats.aio.msg import Msg

from bench.stats import Latency, LostEvents

WARM_UP = 100
ECHO_SUBJECT = "bench.floor.echo"
ECHO_READY_S = 10.0
USER_VARIABLE = "ACTKIT_BENCH_NATS_USER"
PASSWORD_VARIABLE = "ACTKIT_BENCH_NATS_PASSWORD"


async def request_reply(
    url: str, credentials: dict[str, str], count: int, gap_s: float = 0.0
) -> Latency:
    """Round trips to an echo in a process of its own, 64 B payload: the ratios' floor.

    Every hop of the paths goes from one service's process to another's, and so wakes the
    process it reaches. So does each half of this round trip, and nothing else: the echo does
    no work but answering. Each timed request is sent ``gap_s`` after the answer before it.
    """
    async with echo_process(url, credentials):
        return await _round_trips(url, credentials, count, "bus_floor_request", gap_s)


async def request_reply_one_loop(url: str, credentials: dict[str, str], count: int) -> Latency:
    """Round trips to an echo on the bench's own event loop, on a connection of its own.

    The floor the ratios were taken against until the echo had a process of its own: one
    process woken per round trip, where a request between two services wakes two. Kept to
    compare with earlier runs.
    """
    responder = await nats.connect(url, **credentials)
    try:
        await _serve_echo(responder)
        return await _round_trips(url, credentials, count, "bus_floor_request_one_loop")
    finally:
        await responder.close()


@contextlib.asynccontextmanager
async def echo_process(url: str, credentials: dict[str, str]) -> AsyncIterator[None]:
    """``python -m bench.floor`` running, subscribed and ready, until the block ends.

    Raises:
        LostEvents: it did not say it was ready within ``ECHO_READY_S``.
    """
    secrets = {USER_VARIABLE: credentials["user"], PASSWORD_VARIABLE: credentials["password"]}
    echo = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.floor",
        url,
        env={**os.environ, **secrets},
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert echo.stdout is not None
        try:
            said = await asyncio.wait_for(echo.stdout.readline(), ECHO_READY_S)
        except TimeoutError:
            said = b""
        if said.strip() != b"ready":
            ended = "" if echo.returncode is None else f" (it ended with {echo.returncode})"
            raise LostEvents(f"the floor's echo was not ready in {ECHO_READY_S:.0f} s{ended}")
        yield
    finally:
        if echo.returncode is None:
            echo.terminate()
        await echo.wait()


async def _serve_echo(connection: Client) -> None:
    async def echo(msg: Msg) -> None:
        await msg.respond(msg.data)

    await connection.subscribe(ECHO_SUBJECT, cb=echo)
    await connection.flush()


async def _echo_until_stopped(url: str) -> None:
    """The echo process's life: serve, say ready, answer until terminated."""
    connection = await nats.connect(
        url, user=os.environ[USER_VARIABLE], password=os.environ[PASSWORD_VARIABLE]
    )
    await _serve_echo(connection)
    print("ready", flush=True)
    await asyncio.Event().wait()


async def _round_trips(
    url: str, credentials: dict[str, str], count: int, name: str, gap_s: float = 0.0
) -> Latency:
    """``count`` requests to ``ECHO_SUBJECT``, ``gap_s`` apart, after ``WARM_UP`` untimed."""
    requester = await nats.connect(url, **credentials)
    latency = Latency(name)
    payload = b"x" * 64
    try:
        for index in range(WARM_UP + count):
            is_timed = index >= WARM_UP
            if is_timed and gap_s:
                await asyncio.sleep(gap_s)
            started = time.perf_counter_ns()
            await requester.request(ECHO_SUBJECT, payload, timeout=2)
            if is_timed:
                latency.add_ns(time.perf_counter_ns() - started)
    finally:
        await requester.close()
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


if __name__ == "__main__":
    uvloop.run(_echo_until_stopped(sys.argv[1]))
