"""The agent of HQ's queued commands, on a real nats-server: in order, retried, never lost."""

import asyncio
import json
import logging

import nats
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg

from actkit_core.fleetagent import QueuedCommandAgent, agent_consumer, integrator_connection
from actkit_proto.fleet import QUEUED_ON_VEHICLE, VEHICLE_COMMANDS

pytestmark = pytest.mark.timeout(30)


async def _commands_stream(client: Client) -> None:
    """The vehicle's commands stream as HQ's source fills it, and the agent's consumer."""
    js = client.jetstream()
    await js.add_stream(name=VEHICLE_COMMANDS, subjects=[f"{QUEUED_ON_VEHICLE}.>"])
    body = {"stream_name": VEHICLE_COMMANDS, "config": agent_consumer()}
    what = f"$JS.API.CONSUMER.CREATE.{VEHICLE_COMMANDS}.agent"
    answer = json.loads((await client.request(what, json.dumps(body).encode(), 5)).data)
    assert "error" not in answer


async def _received(received: list[str], count: int) -> None:
    for _ in range(200):
        if len(received) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{received} never reached {count}")


async def test_queued_commands_reach_their_owner_in_order_after_it_comes_up(
    nats_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    local = await nats.connect(nats_server)
    owner = await nats.connect(nats_server)
    received: list[str] = []

    async def serve(msg: Msg) -> None:
        received.append(msg.data.decode())
        headers = {"Nats-Service-Error": "refused"} if msg.data == b"3" else None
        await owner.publish(msg.reply, b"{}", headers=headers)

    attempts = 0

    async def connect() -> Client:
        nonlocal attempts
        attempts += 1
        if attempts == 1:  # nats-server restarting: the agent tries again
            raise OSError("connection refused")
        return await integrator_connection(nats_server, "unused")()

    agent = QueuedCommandAgent(local, connect, retry_s=0.1)
    try:
        agent.start()
        await asyncio.sleep(0.3)  # before the stream is made: it waits
        await _commands_stream(local)
        js = local.jetstream()
        for number in ("1", "2", "3"):
            await js.publish(f"{QUEUED_ON_VEHICLE}.io.port.9.pulse", number.encode())
        await asyncio.sleep(0.5)  # no owner yet: nothing is given up
        await owner.subscribe("io.port.9.pulse", cb=serve)
        await owner.flush()
        with caplog.at_level(logging.WARNING, logger="actkit_core.fleetagent"):
            await _received(received, 3)
            await asyncio.sleep(0.2)
        assert received == ["1", "2", "3"]
        assert "refused" in caplog.text
        agent.start()  # running already: no second one
        assert agent.is_running
    finally:
        await agent.stop()
        await owner.close()
        await local.close()
    assert not agent.is_running
    await agent.stop()  # stopped already: nothing to wait for
    assert attempts >= 2
