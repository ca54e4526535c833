"""VAPIX output toggles over HTTPS with Digest auth, from many clients at once."""

from __future__ import annotations

import asyncio
import time

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

    Returns the latencies and the requests per second over the whole run.
    """
    latency = Latency("vapix_toggle_ms")
    per_client = requests // clients

    async def client(index: int) -> None:
        auth = httpx.DigestAuth(*ADMIN)  # keeps its nonce, counting nc up, as httpx clients do
        async with httpx.AsyncClient(verify=False, timeout=15, auth=auth) as http:
            for turn in range(per_client):
                action = "9:/" if (index + turn) % 2 == 0 else "9:\\"
                started = time.perf_counter_ns()
                response = await http.get(
                    base_url + "axis-cgi/io/port.cgi", params={"action": action}
                )
                if response.status_code != 200:
                    raise LostEvents(f"port.cgi answered {response.status_code}: {response.text}")
                latency.add_ns(time.perf_counter_ns() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client(index) for index in range(clients)))
    return latency, len(latency.samples_ms) / (time.perf_counter() - started)
