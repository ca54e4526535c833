"""What ``sim.accountprobe`` sets up: the storm, and its HQ nodes' and vehicles' configurations.

``shared``: every vehicle a user of HQ's fleet account, as the fleet is. ``own``: each vehicle
a user of an account of its own (its id in capitals), which exports its JetStream API
(``$JS.<id>.API.>``) to the fleet account, which imports it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from actkit_fleet.hqconf import vehicle_permissions
from actkit_fleet.sim.cluster import new_password

LAYOUTS = ("shared", "own")
HQ_NODES = 3
HQ_USER = "hq"
CAR_USER = "car"
"""A vehicle's own clients' user (the events' player), with the vehicle's password."""
CUT_S = 5.0


@dataclass(frozen=True)
class Storm:
    """What to time: the layout, the fleet, and what HQ and the vehicles do besides."""

    layout: str = "shared"
    vehicles: int = 200
    relinking: int = 50
    rounds: int = 3
    is_sourced: bool = False
    has_commands: bool = False
    is_restricted: bool = False
    """Each vehicle's user has the fleet's permissions (shared layout)."""
    is_node_down: bool = False
    """One HQ node killed before the first cut, as ``make fleet-sim`` does (with the shards)."""
    rate: float = 0.0
    """Events a vehicle plays a second (0: none)."""
    command_replicas: int | None = None
    """The command queue's consumers' replicas (None: the queue's, as in the fleet)."""
    settle_s: float = 10.0
    """How long the sources and the events run before the first cut, once every source runs."""
    cut_s: float = CUT_S
    """How long each round's links stay cut."""

    def __post_init__(self) -> None:
        if min(self.vehicles, self.relinking, self.rounds) < 1:
            raise ValueError("vehicles, relinking and rounds count at least 1")
        if self.rate < 0 or self.settle_s < 0 or self.cut_s <= 0:
            raise ValueError("the rate and the settling are at least 0, the cut more than 0 s")
        if self.command_replicas is not None and not (
            self.has_commands and 1 <= self.command_replicas <= HQ_NODES
        ):
            raise ValueError(f"the queue's consumers (--commands) have 1 to {HQ_NODES} replicas")
        if self.layout not in LAYOUTS:
            raise ValueError(f"{self.layout!r} is not a layout ({', '.join(LAYOUTS)})")
        if self.layout == "own" and (
            self.is_sourced or self.has_commands or self.rate or self.is_restricted
        ):
            raise ValueError(
                "an account a vehicle is timed bare: sourcing across accounts is not set up"
            )
        if self.has_commands and not self.is_sourced:
            raise ValueError("the command queue comes with the shards (--sourced)")
        if self.is_node_down and not self.is_sourced:
            raise ValueError("a node is killed once the shards run (--sourced)")
        if self.rate and not self.is_sourced:
            raise ValueError("events played go nowhere without the shards (--sourced)")
        if self.relinking * self.rounds > self.vehicles:
            raise ValueError("each round relinks vehicles of its own: too few vehicles")


def hq_conf(
    node: int,
    ports: Sequence[int],
    passwords: Mapping[str, str],
    layout: str,
    *,
    is_restricted: bool = False,
) -> str:
    """HQ node ``node`` (0…): the fleet account (JetStream), its users, the vehicles' users.

    ``passwords``: HQ's user ``hq`` and each vehicle's (its id) password. ``is_restricted``: each
    vehicle's user has the fleet's permissions (:func:`~actkit_fleet.hqconf.vehicle_permissions`).
    """
    vehicles = [user for user in passwords if user != HQ_USER]
    cluster_ports, leaf_ports = ports[HQ_NODES : 2 * HQ_NODES], ports[2 * HQ_NODES :]
    routes = ", ".join(
        f'"nats-route://127.0.0.1:{port}"' for port in cluster_ports if port != cluster_ports[node]
    )
    vehicle_users = [
        f"{{user: {vid}, password: {passwords[vid]}"
        + (f", permissions: {json.dumps(vehicle_permissions(vid))}" if is_restricted else "")
        + "}"
        for vid in vehicles
    ]
    fleet, own_accounts = f"users: [{{user: {HQ_USER}, password: {passwords[HQ_USER]}}}", []
    if layout == "shared":
        fleet += ", " + ", ".join(vehicle_users) + "]"
    else:
        fleet += (
            "], imports: ["
            + ", ".join(
                f'{{service: {{account: {vid.upper()}, subject: "$JS.{vid}.API.>"}}}}'
                for vid in vehicles
            )
            + "]"
        )
        own_accounts = [
            f'  {vid.upper()} {{ users: [{user}], exports: [{{service: "$JS.{vid}.API.>"}}] }}'
            for vid, user in zip(vehicles, vehicle_users, strict=True)
        ]
    return "\n".join(
        [
            f"server_name: hq{node + 1}",
            "jetstream { domain: hq }",
            f'cluster {{ name: HQ, listen: "127.0.0.1:{cluster_ports[node]}"',
            f"  routes: [{routes}] }}",
            "leafnodes {",
            f'  listen: "127.0.0.1:{leaf_ports[node]}"',
            "  no_advertise: true",
            "  isolate_leafnode_interest: true",
            "  authorization { timeout: 10 }",
            "}",
            "accounts {",
            f"  SYS {{ users: [{{user: sys, password: {new_password()}}}] }}",
            f"  FLEET {{ jetstream: enabled, {fleet} }}",
            *own_accounts,
            "}",
            "system_account: SYS",
            "",
        ]
    )


def vehicle_conf(vehicle_id: str, password: str, proxy_port: int) -> str:
    """A light vehicle: its services' account (JetStream, domain = its id), linked to HQ."""
    return "\n".join(
        [
            f"server_name: {vehicle_id}",
            f"jetstream {{ domain: {vehicle_id}, max_file_store: 1GB, max_memory_store: 64MB }}",
            f"accounts {{ ACTKIT {{ jetstream: enabled, users: [{{user: {CAR_USER}, password: "
            f"{password}}}] }} }}",
            "leafnodes {",
            '  reconnect_interval: "250ms"',
            f'  remotes: [ {{ urls: ["nats-leaf://{vehicle_id}:{password}@127.0.0.1:{proxy_port}"]',
            "    account: ACTKIT, compression: off } ]",
            "}",
            "",
        ]
    )
