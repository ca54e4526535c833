"""The lightbar starts the cameras: an input drives a rule that broadcasts the beacon."""

from __future__ import annotations

import asyncio

from actkit_core.bus import Bus
from actkit_core.testing.stack import Stack
from actkit_proto.ble import BroadcastChanged, ListBroadcasts
from actkit_proto.events import BroadcastAction, CreateRule, InputCondition, RuleSpec
from actkit_proto.io import Circuit, DriveInput

SYSTEM_ID = 0x00C0FFEE


async def test_input_active_broadcasts_the_lightbar_beacon_until_it_goes_inactive(
    stack: Stack,
) -> None:
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        changes: asyncio.Queue[BroadcastChanged] = asyncio.Queue()
        await bus.subscribe(BroadcastChanged, changes.put, system_id=str(SYSTEM_ID))
        await bus.client.flush()
        await bus.request(
            CreateRule(
                rule=RuleSpec(
                    name="Lightbar",
                    conditions=[InputCondition(port_id=1)],
                    action=BroadcastAction(system_id=SYSTEM_ID, message_type=1),
                )
            )
        )
        await bus.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))
        started = await asyncio.wait_for(changes.get(), 5)
        assert (started.is_active, started.message_type) == (True, 1)
        [sent] = (await bus.request(ListBroadcasts())).broadcasts
        assert (sent.system_id, sent.message_type) == (SYSTEM_ID, 1)
        assert sent.broadcasters == ["rule:1"]

        await bus.request(DriveInput(port_id=1, circuit=Circuit.OPEN))
        stopped = await asyncio.wait_for(changes.get(), 5)
        assert stopped.is_active is False
        assert (await bus.request(ListBroadcasts())).broadcasts == []
