"""The vehicle's side of the link, as the command line writes it (``leaf-conf``).

The files and what changes need a restart are ``actkit_core.fleetlink``'s, which the vehicle's
network service writes from the device's cloud connection settings too; this module names them
for HQ's tools and the simulation.
"""

from __future__ import annotations

from pathlib import Path

from actkit_core.fleetlink import (
    COMPRESSION_MODES,
    PING_INTERVAL,
    PING_MAX,
    RECONNECT_INTERVAL,
    LeafLink,
    LeafProxy,
    includes,
    render_account,
    render_server,
    write_link,
)
from actkit_core.natsconf import FLEET_ACCOUNT_FILE, FLEET_SERVER_FILE, running_server_pid

SERVER_FILE = FLEET_SERVER_FILE
ACCOUNT_FILE = FLEET_ACCOUNT_FILE

__all__ = [
    "ACCOUNT_FILE",
    "COMPRESSION_MODES",
    "PING_INTERVAL",
    "PING_MAX",
    "RECONNECT_INTERVAL",
    "SERVER_FILE",
    "LeafLink",
    "LeafProxy",
    "includes",
    "render_account",
    "render_server",
    "server_pid",
    "write_link",
]


def server_pid(store_dir: Path) -> int | None:
    """The pid of the nats-server that runs with ``store_dir`` (from its ports file), if any."""
    return running_server_pid(store_dir / "ports")
