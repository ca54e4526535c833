"""Wait until the system service answers this test's own connection."""

from __future__ import annotations

import asyncio

from actkit_core.bus import Bus
from actkit_proto import Unavailable
from actkit_proto.system import GetIdentity


async def until_answering(bus: Bus, timeout_s: float = 3.0) -> None:
    """Requests right after start-up can meet no responder on a loaded machine: retry briefly."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        try:
            await bus.request(GetIdentity(), timeout_s=1.0)
        except Unavailable:
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.05)
        else:
            return
