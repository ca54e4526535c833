"""VAPIX output toggles over HTTPS with Digest auth, from many clients at once."""

from __future__ import annotations

import asyncio
import ssl
import time

import aiohttp
import httpx

from bench.stats import Latency, LostEvents

ADMIN = ("root", "bench-pass-w0rd")
FIRST_ADMINISTRATOR = (
    f"action=add&user={ADMIN[0]}&pwd={ADMIN[1]}&grp=root&sgrp=admin:operator:viewer"
)


async def create_administrator(base_url: str) -> None:
    """The first administrator, as Axis OS allows over pwdgrp.cgi before any account exists."""
    async with httpx.AsyncClient(verify=False, timeout=15) as http:
        response = await http.post(
            base_url + "axis-cgi/pwdgrp.cgi",
            content=FIRST_ADMINISTRATOR,
            headers={"Content-Type": "text/plain"},
        )
        if response.status_code != 200:
            raise LostEvents(f"could not create the administrator: {response.text}")


async def toggle_relay(base_url: str, clients: int, requests: int) -> tuple[Latency, float]:
    """``requests`` port.cgi toggles of the relay spread over ``clients`` Digest clients.

    Each client is an aiohttp session with one keep-alive connection and Digest that answers the
    first challenge and then reuses the nonce, counting ``nc`` up, as VAPIX clients do. The load
    runs in this process, on the same cores as the stack; aiohttp costs it about a third of what
    httpx does per request, so more of those cores serve the requests being measured.

    Returns the latencies and the requests per second over the whole run.
    """
    latency = Latency("vapix_toggle_ms")
    per_client = requests // clients
    url = base_url + "axis-cgi/io/port.cgi"
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE

    async def toggle(http: aiohttp.ClientSession, index: int) -> None:
        action = "9:/" if index % 2 == 0 else "9:\\"
        started = time.perf_counter_ns()
        async with http.get(url, params={"action": action}) as response:
            body = await response.text()
        if response.status != 200:
            raise LostEvents(f"port.cgi answered {response.status}: {body}")
        latency.add_ns(time.perf_counter_ns() - started)

    async def client(http: aiohttp.ClientSession, index: int) -> None:
        for turn in range(per_client):
            await toggle(http, index + turn)

    sessions = [
        aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=1, ssl=insecure),
            middlewares=(aiohttp.DigestAuthMiddleware(*ADMIN),),
        )
        for _ in range(clients)
    ]
    try:
        # Connected, TLS set up and a nonce in hand, as a client that has been running a while.
        await asyncio.gather(*(toggle(http, index) for index, http in enumerate(sessions)))
        latency.samples_ms.clear()
        started = time.perf_counter()
        await asyncio.gather(*(client(http, index) for index, http in enumerate(sessions)))
        return latency, len(latency.samples_ms) / (time.perf_counter() - started)
    finally:
        await asyncio.gather(*(http.close() for http in sessions))
