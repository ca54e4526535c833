"""The simulated network: sim.network.link.<interface>.set."""

from __future__ import annotations

from actkit_network.handlers.deps import Deps
from actkit_proto import Ack, Unavailable
from actkit_proto.network import SimulateLink


async def simulate_link(command: SimulateLink, deps: Deps) -> Ack:
    if deps.simulator is None:
        raise Unavailable("the network is real; the simulator is off")
    deps.simulator.set_link(command.interface, command.is_up)
    return Ack()
