"""VAPIX output toggles over HTTPS with Digest auth, from many clients at once, driven by wrk."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import warnings
from pathlib import Path

import httpx
import requests
from requests.auth import HTTPDigestAuth

from bench.stats import LostEvents

ADMIN = ("root", "bench-pass-w0rd")
FIRST_ADMINISTRATOR = (
    f"action=add&user={ADMIN[0]}&pwd={ADMIN[1]}&grp=root&sgrp=admin:operator:viewer"
)
TOGGLES = ("/axis-cgi/io/port.cgi?action=9:/", "/axis-cgi/io/port.cgi?action=9:%5C")
"""The relay (port 9) switched on, then off."""
SCRIPT = Path(__file__).with_name("toggle.lua")
ANSWERS_PER_S = 1000
"""Digest answers made ready per client and second of load: well above what one client sends.

With 250, a quiet machine ran out: it answered 7,955 toggles/s in all, about 250 a client on
average, and one of the 32 clients sent more than it had."""


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


def write_answers(base_url: str, folder: Path, clients: int, count: int) -> None:
    """``count`` toggles for each client, as lines of ``<target>``, a tab, ``<Authorization>``.

    Each client takes a challenge of its own with one real request, then answers it with a
    rising nonce count, as a VAPIX client that keeps its connection does.
    """
    origin = base_url.rstrip("/")
    with requests.Session() as session, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the device's certificate is its own, self-signed
        for client in range(clients):
            digest = HTTPDigestAuth(*ADMIN)
            first = session.get(origin + TOGGLES[1], auth=digest, verify=False, timeout=15)
            if first.status_code != 200:
                raise LostEvents(f"port.cgi answered {first.status_code}: {first.text}")
            lines = []
            for index in range(count):
                target = TOGGLES[index % 2]
                lines.append(f"{target}\t{digest.build_digest_header('GET', origin + target)}\n")
            (folder / f"{client}.txt").write_text("".join(lines))


async def toggle_relay(base_url: str, clients: int, duration_s: int) -> dict[str, float]:
    """port.cgi toggles of the relay from ``clients`` keep-alive connections for ``duration_s``.

    The load comes from wrk, a C load generator, because it runs on the same two cores as the
    stack: the clients of a real device are elsewhere, and a Python client would take a good
    part of the CPU that the device is being measured on.

    Returns requests/s, p50, p99 and max in ms, and the count.

    Raises:
        LostEvents: a request failed or was answered with an error.
    """
    wrk = shutil.which("wrk")
    if wrk is None:
        raise LostEvents("the VAPIX load needs wrk: apt-get install wrk")
    with tempfile.TemporaryDirectory() as folder:
        count = ANSWERS_PER_S * duration_s
        await asyncio.to_thread(write_answers, base_url, Path(folder), clients, count)
        load = await asyncio.create_subprocess_exec(
            *[wrk, "--threads", str(clients), "--connections", str(clients)],
            *["--duration", f"{duration_s}s", "--timeout", "5s", "--script", str(SCRIPT)],
            *[base_url, "--", folder],
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await load.communicate()
    lines = output.decode().splitlines()
    if load.returncode != 0 or not lines or not lines[-1].startswith("{"):
        raise LostEvents(f"wrk failed: {output.decode()}")
    found = json.loads(lines[-1])
    if found["out_of_answers"]:
        raise LostEvents(
            f"{found['out_of_answers']} wrk clients sent all {count} Digest answers made for "
            f"them: this machine is faster than ANSWERS_PER_S ({ANSWERS_PER_S}/s) allows"
        )
    if found["non_2xx"] or found["socket_errors"]:
        raise LostEvents(
            f"port.cgi: {found['non_2xx']} error answers and {found['socket_errors']} "
            f"failed requests of {found['requests']}"
        )
    return {
        "rps": round(found["requests"] / (found["duration_us"] / 1e6)),
        "p50_ms": found["p50_us"] / 1000,
        "p99_ms": found["p99_us"] / 1000,
        "max_ms": found["max_us"] / 1000,
        "clients": clients,
        "n": found["requests"],
    }
