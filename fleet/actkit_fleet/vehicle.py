"""On the vehicle, from a shell: its JetStream objects for HQ (as the network service makes them).

The agent that runs HQ's queued commands is ``actkit_core.fleetagent``: the network service runs
it while the cloud connection is on; ``actkit-fleet agent`` runs it from a shell.
"""

from __future__ import annotations

from actkit_core.fleetagent import agent_consumer
from actkit_core.fleetstreams import uplink, vehicle_commands, vehicle_events
from actkit_fleet.jetstream import JetStreamApi
from actkit_proto.fleet import VEHICLE_COMMANDS, VEHICLE_EVENTS


async def prepare(api: JetStreamApi, vehicle_id: str) -> None:
    """Create (or update) the vehicle's objects for HQ, as ``prepare_vehicle`` does."""
    await api.ensure_stream(vehicle_events())
    await api.ensure_consumer(VEHICLE_EVENTS, uplink(vehicle_id))
    await api.ensure_stream(vehicle_commands(vehicle_id))
    await api.ensure_consumer(VEHICLE_COMMANDS, agent_consumer())
