"""The preload's bus warm-up: the services' bus path quickened before the fork, never a hold-up."""

import json
import logging
import subprocess
import sys
import time

import pytest

from actkit_core import preload
from actkit_core.testing.stack import free_port

PROBE = """
import asyncio, dis, json, sys
from nats.protocol.parser import Parser
from actkit_core.bus import Bus
from actkit_core.dispatch import Dispatcher
from actkit_core.preload import warm_up_bus
from actkit_proto.base import Message
from nats.aio.client import Client

def quickened():
    functions = (
        Parser.parse, Client._process_msg, Dispatcher.dispatch, Bus.request, Message.from_wire
    )
    return {
        function.__qualname__: any(
            step.opname == "RESUME_QUICK"
            for step in dis.get_instructions(function, adaptive=True)
        )
        for function in functions
    }

before = quickened()
asyncio.run(warm_up_bus(sys.argv[1], "unused"))
print(json.dumps({"before": before, "after": quickened()}))
"""


@pytest.mark.timeout(90)  # a new interpreter importing every service: above the probe's 60 s
def test_the_warm_up_quickens_what_every_service_runs_on_the_bus(nats_server: str) -> None:
    probe = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", PROBE, nats_server],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found = json.loads(probe.stdout)
    assert found["before"] == dict.fromkeys(found["before"], False)
    assert found["after"] == dict.fromkeys(found["after"], True)


async def test_a_bus_not_up_is_not_warmed_up_and_holds_nothing_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "actkit.run")
    started = time.monotonic()
    await preload.warm_up_bus(f"nats://127.0.0.1:{free_port()}", "unused")
    assert time.monotonic() - started < preload.WARM_UP_BUS_S + 1
    assert any("was not warmed up" in message for message in caplog.messages)
