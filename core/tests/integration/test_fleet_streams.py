"""The vehicle's JetStream objects for HQ, made (and made again) on a real nats-server."""

import json

import nats
import pytest

from actkit_core.fleetstreams import (
    FORMER_UPLINK_CONSUMER,
    StreamRefused,
    flow_controlled,
    prepare_vehicle,
    vehicle_events,
)


async def _call(client: nats.NATS, what: str, body: dict[str, object]) -> dict[str, object]:
    reply = await client.request(f"$JS.API.{what}", json.dumps(body).encode(), timeout=5)
    answer: dict[str, object] = json.loads(reply.data)
    return answer


async def _info(client: nats.NATS, what: str) -> dict[str, object]:
    return await _call(client, what, {})


async def test_the_streams_and_hqs_consumer_are_made_and_made_again(nats_server: str) -> None:
    client = await nats.connect(nats_server)
    try:
        await prepare_vehicle(client, "car13")
        await prepare_vehicle(client, "car13")  # there already: updated, not refused
        consumer = await _info(client, "CONSUMER.INFO.EVENTS.up_car13")
        config = consumer["config"]
        assert isinstance(config, dict)
        assert config["deliver_subject"] == "dlv.car13.up"
        assert config["ack_policy"] == "flow_control"
        commands = await _info(client, "STREAM.INFO.CMD_IN")
        assert "error" not in commands
    finally:
        await client.close()


async def test_the_consumer_an_earlier_release_named_for_every_vehicle_is_deleted(
    nats_server: str,
) -> None:
    client = await nats.connect(nats_server)
    try:
        await _call(client, "STREAM.CREATE.EVENTS", vehicle_events())
        former = flow_controlled(FORMER_UPLINK_CONSUMER, "dlv.car13.up")
        made = await _call(
            client,
            f"CONSUMER.CREATE.EVENTS.{FORMER_UPLINK_CONSUMER}",
            {"stream_name": "EVENTS", "config": former},
        )
        assert "error" not in made
        await prepare_vehicle(client, "car13")
        assert "error" in await _info(client, f"CONSUMER.INFO.EVENTS.{FORMER_UPLINK_CONSUMER}")
        assert "error" not in await _info(client, "CONSUMER.INFO.EVENTS.up_car13")
    finally:
        await client.close()


async def test_a_stream_jetstream_refuses_is_named(nats_server: str) -> None:
    client = await nats.connect(nats_server)
    try:
        js = client.jetstream()
        await js.add_stream(name="OTHER", subjects=["io.>"])
        with pytest.raises(StreamRefused, match="stream EVENTS"):
            await prepare_vehicle(client, "car13")
        await js.delete_stream("OTHER")
        await js.add_stream(name="EVENTS", subjects=["io.>"])
        await js.add_consumer("EVENTS", durable_name="up_car13")  # a pull consumer
        with pytest.raises(StreamRefused, match="HQ's consumer"):
            await prepare_vehicle(client, "car13")
    finally:
        await client.close()


async def test_an_agent_consumer_jetstream_refuses_is_named(nats_server: str) -> None:
    client = await nats.connect(nats_server)
    try:
        await prepare_vehicle(client, "car13")
        js = client.jetstream()
        await js.delete_consumer("CMD_IN", "agent")
        await js.add_consumer("CMD_IN", durable_name="agent", deliver_subject="elsewhere")
        with pytest.raises(StreamRefused, match="the agent's consumer"):
            await prepare_vehicle(client, "car13")
    finally:
        await client.close()
