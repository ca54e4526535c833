"""The bus at its edges: an owner too slow to answer, malformed events, a lost server."""

import asyncio
import logging

import pytest
from nats.aio.msg import Msg
from nats.errors import NoServersError

from actkit_core.bus import Bus
from actkit_core.testing.stack import free_port
from actkit_proto.errors import Unavailable
from actkit_proto.io import Circuit, Direction, GetPort, IgnitionChanged, Port


async def test_an_owner_that_does_not_answer_in_time_is_unavailable(bus: Bus) -> None:
    silent = await bus.client.subscribe("io.port.*.get")  # receives, never answers
    await bus.client.flush()
    with pytest.raises(Unavailable, match=r"io\.port\.3\.get got no answer within 0\.2 s"):
        await bus.request(GetPort(port_id=3), timeout_s=0.2)
    assert silent.pending_msgs == 1
    await silent.unsubscribe()


class SlowGetPort(GetPort):
    answer_within_s = 1.0


async def test_a_command_that_answers_slowly_by_nature_is_waited_for_longer(bus: Bus) -> None:
    async def answer_late(msg: Msg) -> None:
        await asyncio.sleep(0.3)
        port = Port(
            port_id=3,
            name="Lightbar",
            direction=Direction.INPUT,
            normal_state=Circuit.OPEN,
            is_configurable=True,
            is_active=True,
            circuit=Circuit.CLOSED,
        )
        await msg.respond(port.to_wire())

    late = await bus.client.subscribe("io.port.*.get", cb=answer_late)
    await bus.client.flush()
    with pytest.raises(Unavailable, match=r"got no answer within 0\.1 s"):
        await bus.request(GetPort(port_id=3), timeout_s=0.1)
    assert (await bus.request(SlowGetPort(port_id=3), timeout_s=0.1)).is_active
    await late.unsubscribe()


async def test_a_malformed_event_is_dropped_with_a_warning_and_the_next_one_arrives(
    bus: Bus, caplog: pytest.LogCaptureFixture
) -> None:
    received: list[IgnitionChanged] = []
    arrived = asyncio.Event()

    async def receive(event: IgnitionChanged) -> None:
        received.append(event)
        arrived.set()

    await bus.subscribe(IgnitionChanged, receive)
    await bus.client.flush()
    await bus.client.publish("io.ignition.changed", b'{"is_on": "maybe"}')
    await bus.publish(IgnitionChanged(is_on=True))
    await asyncio.wait_for(arrived.wait(), 5)
    assert received == [IgnitionChanged(is_on=True)]
    assert "dropped malformed IgnitionChanged on io.ignition.changed" in caplog.text


async def test_closing_a_bus_whose_connection_is_closed_already(nats_server: str) -> None:
    async with Bus.connect("test", servers=[nats_server]) as bus:
        await bus.client.close()
    assert bus.client.is_closed


async def test_connection_errors_are_logged_as_warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "actkit_core.bus")
    with pytest.raises(NoServersError):
        async with Bus.connect(
            "test",
            servers=[f"nats://127.0.0.1:{free_port()}"],
            max_reconnect_attempts=1,
            reconnect_time_wait=0.05,
            connect_timeout=0.5,
        ):
            pass  # pragma: no cover - never reached: the connection fails
    assert "bus: " in caplog.text
