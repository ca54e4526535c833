"""The HQ cluster's nats-server configurations: one file per node, the users file, Prometheus.

Every node runs JetStream in domain :data:`~actkit_proto.fleet.HQ_DOMAIN` and accepts the
vehicles' leaf connections into account :data:`~actkit_proto.fleet.HQ_ACCOUNT`. Each vehicle is a
user of that account (an nkey) whose permissions let it publish only its own deliveries and
replies and receive only its own subjects. ``leafnodes.authorization`` users are not used: they
carry no permissions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from actkit_proto.fleet import (
    HQ_ACCOUNT,
    HQ_COMMANDS,
    HQ_DOMAIN,
    VEHICLE_EVENTS,
    downlink_consumer,
    js_api,
    queued_command_prefix,
    uplink_consumer,
    uplink_deliver,
    vehicle_prefix,
)

USERS_FILE = "vehicles.conf"
HQ_USER = "hq"
SYS_USER = "sys"
PING_INTERVAL = "20s"
"""A black-holed vehicle link is noticed after ``PING_INTERVAL`` times ``PING_MAX``."""
PING_MAX = 3


def password_variable(user: str) -> str:
    """The environment variable that holds an HQ user's password (never in a file)."""
    return f"ACTKIT_HQ_PASSWORD_{user.upper()}"


@dataclass(frozen=True)
class HqNode:
    """One node of the HQ cluster and the addresses it listens on."""

    name: str
    host: str
    client_port: int = 4222
    cluster_port: int = 6222
    leaf_port: int = 7422
    http_port: int = 8222

    @property
    def leaf_url(self) -> str:
        """Where vehicles connect their leaf remote."""
        return f"nats-leaf://{self.host}:{self.leaf_port}"

    @property
    def client_url(self) -> str:
        """Where HQ applications connect."""
        return f"nats://{self.host}:{self.client_port}"


@dataclass(frozen=True)
class LeafTls:
    """Mutual TLS on the leaf port: HQ's certificate and the CA that signed the vehicles'."""

    cert_file: str
    key_file: str
    ca_file: str


def vehicle_permissions(vehicle_id: str) -> dict[str, dict[str, list[str]]]:
    """What a vehicle's leaf connection may send into HQ (publish) and receive (subscribe).

    It publishes its events' deliveries, flow control and replies, and creates or resets only
    its own consumer of the command queue; it receives only its own subjects, its JetStream
    API and the replies of the requests its server makes.
    """
    queue_api = js_api(HQ_DOMAIN) + ".CONSUMER"
    own = f"{HQ_COMMANDS}.{downlink_consumer(vehicle_id)}"
    return {
        "publish": {
            "allow": [
                uplink_deliver(vehicle_id),
                f"{queue_api}.CREATE.{own}.{queued_command_prefix(vehicle_id)}.>",
                f"{queue_api}.CREATE.{own}",
                f"{queue_api}.DURABLE.CREATE.{own}",
                f"{queue_api}.RESET.{own}",
                f"{queue_api}.INFO.{own}",
                "$JS.FC.>",
                "$JSC.R.>",
                "_INBOX.>",
            ]
        },
        "subscribe": {
            "allow": [
                f"{js_api(vehicle_id)}.>",
                f"{vehicle_prefix(vehicle_id)}.>",
                f"dlv.{vehicle_id}.>",
                # The flow control of its own events' consumer only, not another vehicle's.
                f"$JS.FC.{VEHICLE_EVENTS}.{uplink_consumer(vehicle_id)}.>",
                "$JSC.R.>",
                "_INBOX.>",
                "$LDS.>",
            ]
        },
    }


def render_users(vehicles: dict[str, str]) -> str:
    """The users file of the fleet account: HQ's applications and one nkey user per vehicle.

    Args:
        vehicles: vehicle id -> its public nkey (``U…``).
    """
    lines = [
        "# The users of the fleet account: HQ applications and one nkey user per vehicle.",
        "# Written by `actkit-fleet register/revoke`; reload every HQ node after a change.",
        "users: [",
        f"  {{user: {HQ_USER}, password: ${password_variable(HQ_USER)}}}",
    ]
    for vehicle_id, public_key in sorted(vehicles.items()):
        permissions = json.dumps(vehicle_permissions(vehicle_id))
        lines.append(f"  # vehicle {vehicle_id}")
        lines.append(f"  {{nkey: {public_key}, permissions: {permissions}}}")
    lines += ["]", ""]
    return "\n".join(lines)


LEAF_AUTH_TIMEOUT_S = 10
"""Seconds a new vehicle link has to authenticate (the users are the fleet account's, not
``leafnodes.authorization``'s, which sets only this). In a 200-vehicle simulation on one 2-core
machine HQ's read loops stalled 2 to 4 s, and with nats-server's 2 s one node closed 2191 of
2588 new vehicle links for "Authentication Timeout" in ten minutes; each vehicle tried again
0.25 to 0.5 s later (``actkit_core.fleetlink``)."""


def render_node(
    node: HqNode,
    nodes: Sequence[HqNode],
    store_dir: PurePath | None,
    listen_host: str = "0.0.0.0",
    tls: LeafTls | None = None,
) -> str:
    """The configuration of one HQ node; its users are in :data:`USERS_FILE` beside it.

    ``store_dir`` None: JetStream's folder is given on the command line (``-sd``).
    """
    store = f"store_dir: {json.dumps(str(store_dir))}, " if store_dir is not None else ""
    routes = [
        f"nats-route://{peer.host}:{peer.cluster_port}" for peer in nodes if peer.name != node.name
    ]
    lines = [
        f"# HQ node {node.name} of the fleet's cluster. Written by `actkit-fleet hq-conf`.",
        "# Passwords come from the environment: ACTKIT_HQ_PASSWORD_<USER>.",
        "",
        f"server_name: {node.name}",
        f'listen: "{listen_host}:{node.client_port}"',
        f'http: "{listen_host}:{node.http_port}"',
        f'ping_interval: "{PING_INTERVAL}"',
        f"ping_max: {PING_MAX}",
        "max_payload: 1MB",
        "",
        f"jetstream {{ {store}domain: {HQ_DOMAIN} }}",
        "",
        "cluster {",
        "  name: HQ",
        f'  listen: "{listen_host}:{node.cluster_port}"',
        f"  routes: {json.dumps(routes)}",
        "}",
        "",
        "leafnodes {",
        f'  listen: "{listen_host}:{node.leaf_port}"',
        "  # Vehicles reconnect only to the addresses they were given (a load balancer's), never",
        "  # to the internal ones HQ would otherwise advertise.",
        "  no_advertise: true",
        "  # One vehicle's subscriptions never reach another vehicle.",
        "  isolate_leafnode_interest: true",
        "  # A vehicle's CONNECT may come late (a slow cellular link, a loaded HQ): with the",
        "  # default (2 s; with TLS its timeout + 1 s) a loaded HQ closed most vehicles' new",
        "  # links before reading them, and each new attempt loaded it further.",
        f"  authorization {{ timeout: {LEAF_AUTH_TIMEOUT_S} }}",
    ]
    if tls is not None:
        lines.append(
            f"  tls {{ cert_file: {json.dumps(tls.cert_file)}, key_file: {json.dumps(tls.key_file)}"
            f", ca_file: {json.dumps(tls.ca_file)}, verify: true, timeout: 3 }}"
        )
    lines += [
        "}",
        "",
        "accounts {",
        f"  SYS {{ users: [{{user: {SYS_USER}, password: ${password_variable(SYS_USER)}}}] }}",
        f"  {HQ_ACCOUNT} {{",
        "    jetstream: enabled",
        f'    include "{USERS_FILE}"',
        "  }",
        "}",
        "system_account: SYS",
        "",
    ]
    return "\n".join(lines)


def render_prometheus(nodes: Sequence[HqNode], exporter_port: int) -> str:
    """Prometheus' scrape configuration: the exporter beside each HQ node.

    nats-server's monitoring port serves JSON only; ``actkit-fleet exporter`` reads it.
    """
    targets = json.dumps([f"{node.host}:{exporter_port}" for node in nodes])
    return "\n".join(
        [
            "# Prometheus scrape configuration of the HQ cluster (`actkit-fleet hq-conf`).",
            "# nats-server's monitoring port serves JSON (/varz, /jsz, /leafz): `actkit-fleet",
            "# exporter` beside each node turns it into metrics.",
            "global:",
            "  scrape_interval: 15s",
            "scrape_configs:",
            "  - job_name: fleet-hq",
            "    static_configs:",
            f"      - targets: {targets}",
            "",
        ]
    )
