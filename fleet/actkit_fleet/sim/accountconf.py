"""The configurations of ``sim.accountprobe``'s HQ nodes and light vehicles, in both layouts.

``shared``: every vehicle a user of HQ's fleet account, as the fleet is. ``own``: each vehicle
a user of an account of its own (its id in capitals), which exports its JetStream API
(``$JS.<id>.API.>``) to the fleet account, which imports it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence

from actkit_fleet.hqconf import vehicle_permissions

LAYOUTS = ("shared", "own")
HQ_NODES = 3
HQ_USER = "hq"
CAR_USER = "car"
"""A vehicle's own clients' user (the events' player), with the vehicle's password."""


def password() -> str:
    """A password for one run (letters and digits, a letter first)."""
    return "k" + secrets.token_hex(8)


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
            f"  SYS {{ users: [{{user: sys, password: {password()}}}] }}",
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
