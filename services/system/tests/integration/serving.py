"""Waiting for the system service started by a test to answer on the bus."""

from __future__ import annotations

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_proto import Unavailable
from actkit_proto.system import GetIdentity


async def until_answering(bus: Bus, timeout_s: float = 3.0) -> None:
    """Requests right after start-up can meet no responder on a loaded machine: retry briefly."""
    await eventually(
        lambda: bus.request(GetIdentity(), timeout_s=1.0),
        timeout_s=timeout_s,
        interval_s=0.05,
        ignoring=(Unavailable,),
    )
