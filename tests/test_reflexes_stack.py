"""The lightbar's rules carried out by io and ble themselves, on the whole stack and across the
restarts of each: the events service logs them and commands nothing for them."""

from __future__ import annotations

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.stack import Stack
from actkit_proto.ble import ListBroadcasts
from actkit_proto.events import (
    BroadcastAction,
    CreateRule,
    HoldIoAction,
    InputCondition,
    LogKind,
    QueryEventLog,
    RuleSpec,
)
from actkit_proto.io import Circuit, DriveInput, GetPort
from actkit_proto.service import GetServiceStatus

pytestmark = pytest.mark.timeout(120)

CAMERAS = 0x00C0FFEE


async def _restarted(bus: Bus, stack: Stack, service: str) -> None:
    """Kill ``service``; return once its new start answers."""
    stack.processes()[service].kill()
    await eventually(
        lambda: bus.request(GetServiceStatus(service=service), timeout_s=0.5),
        timeout_s=20,
        interval_s=0.1,
        ignoring=(Exception,),
    )


async def test_io_and_ble_carry_out_the_lightbar_rules_across_their_restarts(
    stack: Stack,
) -> None:
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        lamp = await bus.request(
            CreateRule(
                rule=RuleSpec(
                    name="Lamp",
                    conditions=[InputCondition(port_id=1)],
                    action=HoldIoAction(port_id=9),
                )
            )
        )
        cameras = await bus.request(
            CreateRule(
                rule=RuleSpec(
                    name="Cameras",
                    conditions=[InputCondition(port_id=3)],
                    action=BroadcastAction(system_id=CAMERAS, message_type=1),
                )
            )
        )

        async def broadcasters() -> list[str]:
            listed = (await bus.request(ListBroadcasts())).broadcasts
            return [name for b in listed if b.system_id == CAMERAS for name in b.broadcasters]

        async def lamp_holders() -> list[str]:
            return (await bus.request(GetPort(port_id=9))).holders

        await bus.request(DriveInput(port_id=3, circuit=Circuit.CLOSED))
        assert await eventually(broadcasters, timeout_s=5) == [f"rule:{cameras.rule_id}"]
        await _restarted(bus, stack, "ble")  # with the lightbar still on
        assert await eventually(broadcasters, timeout_s=10) == [f"rule:{cameras.rule_id}"]

        await _restarted(bus, stack, "io")  # the simulated wiring starts open again
        await bus.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))
        assert await eventually(lamp_holders, timeout_s=5) == [f"rule:{lamp.rule_id}"]

        async def done() -> list[str]:
            entries = (await bus.request(QueryEventLog())).entries
            texts = [e.text for e in entries if e.kind is LogKind.ACTION_OK]
            return texts if "Lamp: io.port.9.hold done by io" in texts else []

        texts = await eventually(done, timeout_s=5)
        assert f"Cameras: ble.broadcast.{CAMERAS}.start done by ble" in texts
        assert not [text for text in texts if text.endswith(" done")]  # nothing commanded
