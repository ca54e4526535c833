"""On the vehicle: its JetStream objects for HQ, and the agent that runs HQ's queued commands.

The agent takes each command of :data:`~actkit_proto.fleet.VEHICLE_COMMANDS` in order and sends
it as the ``integrator`` user: the owner then treats it as an integrator's (at most that role),
as it treats HQ's live commands, which reach only the commands lent to integrators.
"""

from __future__ import annotations

import asyncio
import logging

from nats.aio.client import Client
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig

from actkit_core.fleetstreams import uplink, vehicle_commands, vehicle_events
from actkit_fleet.jetstream import JetStreamApi
from actkit_proto.fleet import QUEUED_ON_VEHICLE, VEHICLE_COMMANDS, VEHICLE_EVENTS

log = logging.getLogger("actkit.fleet.agent")
AGENT = "agent"
"""The agent's durable consumer of the queued commands: it resumes where it stopped."""
COMMAND_TIMEOUT_S = 10.0


async def prepare(api: JetStreamApi, vehicle_id: str) -> None:
    """Create (or update) the events stream, HQ's consumer of it and the commands stream."""
    await api.ensure_stream(vehicle_events())
    await api.ensure_consumer(VEHICLE_EVENTS, uplink(vehicle_id))
    await api.ensure_stream(vehicle_commands(vehicle_id))


async def run_queued_commands(local: Client, integrator: Client, stop: asyncio.Event) -> None:
    """Send each queued command to its owner as the integrator, in order, until ``stop``.

    Args:
        local: a client of the services' account (reads the commands stream).
        integrator: a client of the integrator account (sends the commands).
        stop: set to end.
    """
    js = local.jetstream()
    # One at a time: a command whose owner is not up yet is retried before the next one.
    config = ConsumerConfig(
        durable_name=AGENT, ack_policy=AckPolicy.EXPLICIT, max_deliver=-1, max_ack_pending=1
    )
    subscription = await js.pull_subscribe(
        f"{QUEUED_ON_VEHICLE}.>", durable=AGENT, stream=VEHICLE_COMMANDS, config=config
    )
    while not stop.is_set():
        try:
            batch = await subscription.fetch(1, timeout=1.0)
        except (NatsTimeout, TimeoutError):
            continue
        for msg in batch:
            subject = msg.subject.removeprefix(f"{QUEUED_ON_VEHICLE}.")
            try:
                reply = await integrator.request(subject, msg.data, COMMAND_TIMEOUT_S)
            except (NoRespondersError, NatsTimeout):
                # Its owner is not up yet: try again later, in order.
                await msg.nak(delay=1.0)
                break
            error = (reply.headers or {}).get("Nats-Service-Error")
            if error:
                log.warning("queued %s refused: %s", subject, error)
            await msg.ack()
