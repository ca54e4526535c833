"""On the vehicle: its JetStream objects for HQ, and the agent that runs HQ's queued commands.

The agent takes each command of :data:`~actkit_proto.fleet.VEHICLE_COMMANDS` in order and sends
it as the ``integrator`` user: the owner then treats it as an integrator's, at most that role.
"""

from __future__ import annotations

from actkit_fleet.jetstream import JetStreamApi, uplink, vehicle_commands, vehicle_events
from actkit_proto.fleet import VEHICLE_EVENTS


async def prepare(api: JetStreamApi, vehicle_id: str) -> None:
    """Create (or update) the events stream, HQ's consumer of it and the commands stream."""
    await api.ensure_stream(vehicle_events())
    await api.ensure_consumer(VEHICLE_EVENTS, uplink(vehicle_id))
    await api.ensure_stream(vehicle_commands(vehicle_id))
