"""A vehicle's JetStream objects for HQ: its events stream, HQ's consumer of it, its commands.

HQ's source of a vehicle names a consumer made beforehand on the vehicle (the ``consumer``
source field and ``ack_policy: flow_control``, nats-server 2.14 and later): after a link comes
back the source resumes at once, where an ephemeral source consumer waits out a 30 s request
timeout first.
"""

from __future__ import annotations

import json
from typing import Any

from nats.aio.client import Client

from actkit_core.fleetagent import agent_consumer
from actkit_proto.fleet import (
    AGENT_CONSUMER,
    HQ_COMMANDS,
    HQ_DOMAIN,
    QUEUED_ON_VEHICLE,
    VEHICLE_COMMANDS,
    VEHICLE_EVENTS,
    downlink_consumer,
    downlink_deliver,
    event_subjects,
    js_api,
    queued_command_prefix,
    uplink_consumer,
    uplink_deliver,
)

JsonObject = dict[str, Any]
SECOND_NS = 1_000_000_000
DAY_NS = 86_400 * SECOND_NS
HEARTBEAT_NS = SECOND_NS
"""Idle heartbeat of a source's consumer: what tells HQ a vehicle is there while it is quiet."""
MAX_ACK_PENDING = 10_000
STREAMS = (VEHICLE_EVENTS, VEHICLE_COMMANDS)
FORMER_UPLINK_CONSUMER = "hq_events"
"""HQ's consumer of the events before it was named by its vehicle: deleted where it is left,
or it would deliver the same events to HQ's source beside the new one."""


class StreamRefused(Exception):
    """The vehicle's JetStream refused one of the objects; the message says which and why."""


def flow_controlled(durable: str, deliver_subject: str) -> JsonObject:
    """A durable push consumer a source may name: flow control, 1 s heartbeats, no acks."""
    return {
        "durable_name": durable,
        "deliver_subject": deliver_subject,
        "deliver_policy": "all",
        "ack_policy": "flow_control",
        "flow_control": True,
        "idle_heartbeat": HEARTBEAT_NS,
        "max_ack_pending": MAX_ACK_PENDING,
    }


def vehicle_events(max_age_days: int = 7, max_bytes: int = 256 * 1024 * 1024) -> JsonObject:
    """The vehicle's events, kept for HQ across outages up to ``max_age_days``.

    Limits retention: HQ's source reads it again from its consumer's position after any outage,
    and local readers (an incident replay) may read it too.
    """
    return {
        "name": VEHICLE_EVENTS,
        "subjects": event_subjects(),
        "retention": "limits",
        "storage": "file",
        "max_age": max_age_days * DAY_NS,
        "max_bytes": max_bytes,
        "discard": "old",
        "duplicate_window": 120 * SECOND_NS,
    }


def uplink(vehicle_id: str) -> JsonObject:
    """The vehicle's consumer of its events that HQ's source names."""
    return flow_controlled(uplink_consumer(vehicle_id), uplink_deliver(vehicle_id))


def vehicle_commands(vehicle_id: str) -> JsonObject:
    """The vehicle's copy of its queued commands, ``cmdq.<command subject>``."""
    return {
        "name": VEHICLE_COMMANDS,
        "retention": "limits",
        "storage": "file",
        "max_age": DAY_NS,
        "sources": [
            {
                "name": HQ_COMMANDS,
                "external": {"api": js_api(HQ_DOMAIN), "deliver": ""},
                "consumer": {
                    "name": downlink_consumer(vehicle_id),
                    "deliver_subject": downlink_deliver(vehicle_id),
                },
                "subject_transforms": [
                    {
                        "src": f"{queued_command_prefix(vehicle_id)}.>",
                        "dest": f"{QUEUED_ON_VEHICLE}.>",
                    }
                ],
            }
        ],
    }


async def _call(client: Client, what: str, body: JsonObject, timeout_s: float) -> JsonObject:
    reply = await client.request(f"$JS.API.{what}", json.dumps(body).encode(), timeout_s)
    answer: JsonObject = json.loads(reply.data)
    return answer


async def _ensure_stream(client: Client, config: JsonObject, timeout_s: float) -> None:
    answer = await _call(client, f"STREAM.CREATE.{config['name']}", config, timeout_s)
    if "error" in answer:  # there already: made the same again
        answer = await _call(client, f"STREAM.UPDATE.{config['name']}", config, timeout_s)
    if "error" in answer:
        raise StreamRefused(f"stream {config['name']}: {answer['error'].get('description')}")


async def prepare_vehicle(client: Client, vehicle_id: str, timeout_s: float = 5.0) -> None:
    """Create (or update) the vehicle's JetStream objects for HQ.

    The events stream, HQ's consumer of it, the commands stream and the agent's consumer of it
    (``actkit_core.fleetagent``).

    Raises:
        StreamRefused: JetStream refused one of them.
    """
    await _ensure_stream(client, vehicle_events(), timeout_s)
    # Its answer is an error where there is none: nothing to do then.
    await _call(client, f"CONSUMER.DELETE.{VEHICLE_EVENTS}.{FORMER_UPLINK_CONSUMER}", {}, timeout_s)
    consumer = uplink(vehicle_id)
    body = {"stream_name": VEHICLE_EVENTS, "config": consumer}
    what = f"CONSUMER.CREATE.{VEHICLE_EVENTS}.{consumer['durable_name']}"
    answer = await _call(client, what, body, timeout_s)
    if "error" in answer:
        raise StreamRefused(f"HQ's consumer: {answer['error'].get('description')}")
    await _ensure_stream(client, vehicle_commands(vehicle_id), timeout_s)
    body = {"stream_name": VEHICLE_COMMANDS, "config": agent_consumer()}
    answer = await _call(
        client, f"CONSUMER.CREATE.{VEHICLE_COMMANDS}.{AGENT_CONSUMER}", body, timeout_s
    )
    if "error" in answer:
        raise StreamRefused(f"the agent's consumer: {answer['error'].get('description')}")
