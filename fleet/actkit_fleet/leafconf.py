"""The vehicle's side of the link: the leaf remote, JetStream domain and command mappings.

Two files sit beside the vehicle's ``nats-server.conf``, which includes them: :data:`SERVER_FILE`
at the top level (the leaf remote to HQ, the vehicle's JetStream domain, pings) and
:data:`ACCOUNT_FILE` inside the services' account (the mappings of ``veh.<id>.cmd.<subject>`` to
the commands HQ may send). Without a link both hold a comment only. A change is applied by a
reload (SIGHUP): the services stay connected. nats-server cannot change a JetStream domain on
reload (nor its name, the vehicle id too: HQ tells the vehicles' links apart by it), so the
first link (or a new vehicle id) needs nats-server restarted once
(:func:`write_link` says so); the services reconnect by themselves.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from actkit_core.natsconf import FLEET_ACCOUNT_FILE, FLEET_SERVER_FILE, SERVICE_ACCOUNT
from actkit_proto.fleet import check_vehicle_id, command_subjects, live_command_prefix
from actkit_proto.fleet import numbered_wildcards as destination

SERVER_FILE = FLEET_SERVER_FILE
ACCOUNT_FILE = FLEET_ACCOUNT_FILE
PING_INTERVAL = "5s"
"""The vehicle notices a dead cellular link after ``PING_INTERVAL`` times ``PING_MAX``."""
PING_MAX = 2
RECONNECT_INTERVAL = "1s"
"""How often a vehicle tries HQ again: what bounds the resume once the link is back."""
_NO_LINK = "# No link to HQ: `actkit-fleet leaf-conf` writes it.\n"


@dataclass(frozen=True)
class LeafLink:
    """What a vehicle needs to join HQ.

    Attributes:
        vehicle_id: the vehicle's id (its serial): its JetStream domain at HQ.
        hq_urls: HQ's leaf addresses, ``nats-leaf://host:7422`` (``tls://`` with mTLS).
        nkey_seed: the vehicle's user seed (``SU…``), made by HQ's ``register``.
        ca_file, cert_file, key_file: mTLS to HQ: its CA, the vehicle's certificate and key.
        max_file_store, max_memory_store: JetStream limits, sized for the longest outage.
    """

    vehicle_id: str
    hq_urls: Sequence[str]
    nkey_seed: str
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    account: str = SERVICE_ACCOUNT
    max_file_store: str = "1GB"
    max_memory_store: str = "64MB"

    def __post_init__(self) -> None:
        check_vehicle_id(self.vehicle_id)
        if not self.hq_urls:
            raise ValueError("give at least one HQ leaf address (nats-leaf://host:7422)")
        for url in self.hq_urls:
            if url.split("://", 1)[0] not in ("nats-leaf", "tls", "nats", "ws", "wss"):
                raise ValueError(f"{url!r} is not a leaf address (nats-leaf://host:7422)")
        if not self.nkey_seed.startswith("SU"):
            raise ValueError("the vehicle's credential is a user nkey seed (SU…)")
        files = (self.ca_file, self.cert_file, self.key_file)
        if any(files) and not all(files):
            raise ValueError("mTLS needs all three: the CA, the certificate and its key")


def render_server(link: LeafLink | None) -> str:
    """The top-level include: the leaf remote to HQ and the vehicle's JetStream domain."""
    if link is None:
        return _NO_LINK
    remote = [
        f"    urls: {json.dumps(list(link.hq_urls))}",
        f"    account: {link.account}",
        f"    nkey: {json.dumps(link.nkey_seed)}",
        "    compression: s2_auto",
    ]
    if link.ca_file and link.cert_file and link.key_file:
        remote.append(
            f"    tls {{ ca_file: {json.dumps(link.ca_file)}, cert_file: "
            f"{json.dumps(link.cert_file)}, key_file: {json.dumps(link.key_file)} }}"
        )
    return "\n".join(
        [
            f"# Link of vehicle {link.vehicle_id} to HQ. Written by `actkit-fleet leaf-conf`.",
            f"server_name: {link.vehicle_id}",
            f'ping_interval: "{PING_INTERVAL}"',
            f"ping_max: {PING_MAX}",
            f"jetstream {{ domain: {link.vehicle_id}, max_file_store: {link.max_file_store}, "
            f"max_memory_store: {link.max_memory_store} }}",
            "leafnodes {",
            f'  reconnect_interval: "{RECONNECT_INTERVAL}"',
            "  remotes: [ {",
            *remote,
            "  } ]",
            "}",
            "",
        ]
    )


def render_account(link: LeafLink | None) -> str:
    """The services' account include: HQ's live commands mapped onto the local subjects."""
    if link is None:
        return _NO_LINK
    prefix = live_command_prefix(link.vehicle_id)
    lines = [
        f"# HQ's commands to vehicle {link.vehicle_id}: those lent to integrators.",
        "mappings {",
    ]
    lines += [f'  "{prefix}.{subject}": "{destination(subject)}"' for subject in command_subjects()]
    lines += ["}", ""]
    return "\n".join(lines)


def _restart_lines(text: str) -> list[str]:
    """What nats-server cannot change on reload: its name and JetStream's domain and limits."""
    return [line for line in text.splitlines() if line.startswith(("server_name", "jetstream"))]


def write_link(folder: Path, link: LeafLink | None) -> bool:
    """Write both include files into ``folder`` (the seed: for the owner only).

    Returns:
        Whether the server's name, JetStream domain or limits changed: nats-server must then be
        restarted, a reload is refused.
    """
    folder.mkdir(parents=True, exist_ok=True)
    server_file = folder / SERVER_FILE
    before = server_file.read_text() if server_file.exists() else ""
    server_file.touch(mode=0o600)
    server_file.chmod(0o600)
    text = render_server(link)
    server_file.write_text(text)
    (folder / ACCOUNT_FILE).write_text(render_account(link))
    return _restart_lines(before) != _restart_lines(text)


def includes() -> tuple[str, str]:
    """The lines a vehicle's ``nats-server.conf`` needs: at the top level, in the account."""
    return f'include "{SERVER_FILE}"', f'include "{ACCOUNT_FILE}"'


def running_server_pid(store_dir: Path) -> int | None:
    """The pid of the nats-server that runs with ``store_dir`` (from its ports file), if any."""
    for ports in (store_dir / "ports").glob("nats-server_*.ports"):
        pid = int(ports.stem.rsplit("_", 1)[1])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        return pid
    return None


def reload(pid: int) -> None:
    """Have nats-server ``pid`` read its configuration again (SIGHUP); connections stay."""
    os.kill(pid, signal.SIGHUP)
