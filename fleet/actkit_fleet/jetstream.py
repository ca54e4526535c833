"""The fleet's JetStream objects, as the server's API takes them, and a small client of that API.

Sources use consumers made beforehand on the origin (the ``consumer`` source field and
``ack_policy: flow_control``, nats-server 2.14 and later): after a link comes back the source
resumes at once, where an ephemeral source consumer waits out a 30 s request timeout first.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from nats.aio.client import Client
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from actkit_core.fleetstreams import (
    DAY_NS,
    SECOND_NS,
    flow_controlled,
)
from actkit_proto.fleet import (
    HQ_COMMANDS,
    VEHICLE_EVENTS,
    api_domain,
    downlink_consumer,
    downlink_deliver,
    hq_events,
    js_api,
    queued_command_prefix,
    uplink_consumer,
    uplink_deliver,
    vehicle_prefix,
)

JsonObject = dict[str, Any]
ATTEMPTS = 3
RETRY_PAUSE_S = 1.0


class FleetError(Exception):
    """A JetStream request failed; the message says what and why, for a person."""


def events_shard_at_hq(shard: int, replicas: int, max_age_days: int = 30) -> JsonObject:
    """HQ's stream of a share of the fleet's events (``EV_<shard>``), its sources added later.

    A few such streams, not one per vehicle: each is a replicated Raft group at HQ, and 200
    of them (with the command queue's consumers, 400) kept a 2-core HQ busy with themselves.
    The last message on each stateful subject under ``veh.<id>.`` is that vehicle's state.
    """
    return {
        "name": hq_events(shard),
        "retention": "limits",
        "storage": "file",
        "num_replicas": replicas,
        "max_age": max_age_days * DAY_NS,
        "discard": "old",
    }


def hq_commands(replicas: int, max_age_s: int = 86_400) -> JsonObject:
    """The queue of commands for vehicles; one lost for longer than ``max_age_s`` gets none."""
    return {
        "name": HQ_COMMANDS,
        "subjects": ["veh.*.cmdq.>"],
        "retention": "limits",
        "storage": "file",
        "num_replicas": replicas,
        "max_age": max_age_s * SECOND_NS,
        "discard": "old",
    }


def downlink(vehicle_id: str) -> JsonObject:
    """HQ's consumer of one vehicle's queued commands, which that vehicle's source names."""
    return {
        **flow_controlled(downlink_consumer(vehicle_id), downlink_deliver(vehicle_id)),
        "filter_subject": f"{queued_command_prefix(vehicle_id)}.>",
    }


def source_vehicle(source: JsonObject) -> str | None:
    """The vehicle an events stream's source (its configuration or its state) is of."""
    return api_domain(str((source.get("external") or {}).get("api", "")))


def uplink_source(vehicle_id: str) -> JsonObject:
    """HQ's source of one vehicle's events, under ``veh.<id>.``."""
    return {
        "name": VEHICLE_EVENTS,
        "external": {"api": js_api(vehicle_id), "deliver": ""},
        "consumer": {
            "name": uplink_consumer(vehicle_id),
            "deliver_subject": uplink_deliver(vehicle_id),
        },
        "subject_transforms": [{"src": ">", "dest": f"{vehicle_prefix(vehicle_id)}.>"}],
    }


class JetStreamApi:
    """JetStream's API by plain requests (the server's JSON, fields nats-py does not know yet)."""

    def __init__(self, client: Client, prefix: str = "$JS.API", timeout_s: float = 5.0) -> None:
        self.client = client
        self.prefix = prefix
        self.timeout_s = timeout_s

    @property
    def longest_s(self) -> float:
        """How long one request may take at most, tries and pauses between them."""
        return ATTEMPTS * self.timeout_s + (ATTEMPTS - 1) * RETRY_PAUSE_S

    async def call(self, what: str, body: JsonObject | None = None) -> JsonObject:
        """Send one API request; its answer.

        Raises:
            FleetError: no JetStream answered, or it answered with an error.
        """
        payload = json.dumps(body).encode() if body is not None else b""
        answer = await self.request(f"{self.prefix}.{what}", payload)
        error = answer.get("error")
        if error:
            raise FleetError(f"{what}: {error.get('description', error)}")
        return answer

    async def request(
        self, subject: str, payload: bytes, headers: dict[str, str] | None = None
    ) -> JsonObject:
        """Send one request to JetStream (its API, or a message to store); its answer, errors too.

        Raises:
            FleetError: nothing answered, tried :data:`ATTEMPTS` times.
        """
        for attempt in range(ATTEMPTS):
            if attempt:
                await asyncio.sleep(RETRY_PAUSE_S)
            try:
                reply = await self.client.request(subject, payload, self.timeout_s, headers=headers)
            except (NoRespondersError, NatsTimeout):
                continue  # a cluster electing a new leader answers nothing for a few seconds
            answer: JsonObject = json.loads(reply.data)
            return answer
        raise FleetError(f"no JetStream answered {subject}: is the server up and linked?")

    async def stream(self, name: str) -> JsonObject | None:
        """The stream's info, or None when there is no such stream."""
        try:
            return await self.call(f"STREAM.INFO.{name}")
        except FleetError as exc:
            if "not found" in str(exc):
                return None
            raise

    async def streams(self) -> list[JsonObject]:
        """Every stream's info (``STREAM.LIST``, page by page).

        Raises:
            FleetError: HQ did not answer, or left streams out: a loaded cluster lists those
                whose leader answered in time and names the others ``missing``; a list without
                a shard would make a vehicle look unsourced.
        """
        found: list[JsonObject] = []
        while True:
            page = await self.call("STREAM.LIST", {"offset": len(found)})
            if page.get("missing"):
                raise FleetError(
                    f"HQ did not say how {', '.join(page['missing'])} stand (their leaders did "
                    "not answer in time): try again"
                )
            streams = page.get("streams") or []
            found += streams
            if not streams or len(found) >= int(page.get("total", 0)):
                return found

    async def ensure_stream(self, config: JsonObject) -> JsonObject:
        """Create the stream, or update it to ``config`` (keeping its sources if it has some)."""
        current = await self.stream(config["name"])
        if current is None:
            return await self.call(f"STREAM.CREATE.{config['name']}", config)
        merged = {**current["config"], **config}
        if not config.get("sources") and current["config"].get("sources"):
            merged["sources"] = current["config"]["sources"]
        return await self.call(f"STREAM.UPDATE.{config['name']}", merged)

    async def ensure_consumer(self, stream: str, config: JsonObject) -> JsonObject:
        """Create the durable consumer, or update it to ``config``."""
        durable = config["durable_name"]
        return await self.call(
            f"CONSUMER.CREATE.{stream}.{durable}", {"stream_name": stream, "config": config}
        )

    async def delete_consumer(self, stream: str, name: str) -> None:
        """Delete a consumer; one that is not there is no error."""
        try:
            await self.call(f"CONSUMER.DELETE.{stream}.{name}")
        except FleetError as exc:
            if "not found" not in str(exc):
                raise
