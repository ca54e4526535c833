"""A vehicle's link to HQ in its nats-server configuration: leaf remote, domain, command mappings.

Two files sit beside the vehicle's ``nats-server.conf``, which includes them: the natsconf's
``FLEET_SERVER_FILE`` at the top level (the leaf remote to HQ, the vehicle's JetStream domain,
pings) and ``FLEET_ACCOUNT_FILE`` inside the integrator's account (the mappings of
``veh.<id>.cmd.<subject>`` to the commands HQ may send). Two remotes link the same vehicle user
to HQ: one bound to the services' account (JetStream: HQ sources the events, the vehicle its
queued commands), one to the integrator's, where HQ's live commands arrive: they reach their
owners across accounts, as an integrator's do, so at most with the integrator's role. Without
a link both hold a comment only. A change is applied by a reload
(:func:`actkit_core.natsconf.reload_server`): the services stay connected. nats-server cannot
change its name or JetStream domain on reload (the vehicle id: HQ tells the vehicles' links
apart by it), nor a remote's proxy, so :func:`write_link` says when nats-server must be
restarted instead; the services reconnect by themselves.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from actkit_core.natsconf import (
    FLEET_ACCOUNT_FILE,
    FLEET_SERVER_FILE,
    INTEGRATOR_ACCOUNT,
    SERVICE_ACCOUNT,
    write_include,
)
from actkit_proto.fleet import check_vehicle_id, command_subjects, live_command_prefix
from actkit_proto.fleet import numbered_wildcards as destination

PING_INTERVAL = "5s"
"""The vehicle notices a dead cellular link after ``PING_INTERVAL`` times ``PING_MAX``."""
PING_MAX = 2
RECONNECT_INTERVAL = "250ms"
"""How often a vehicle tries HQ again: what bounds the resume once the link is back.

nats-server waits this plus up to as much again at random between attempts (0.25 to 0.5 s);
a failed attempt on a dead cellular link costs a refused or unroutable dial."""
FIRST_INFO_TIMEOUT = "5s"
"""How long a vehicle waits for HQ's first word on a new connection (nats-server: 1 s). A loaded
HQ or a slow cellular link takes longer: with 1 s, every attempt was dropped and made again,
each one loading HQ more."""
COMPRESSION = "s2_auto"
"""How the link is compressed: nats-server picks S2's level by the link's round trip (below
10 ms it frames the data without compressing it, above it compresses more the slower it is)."""
COMPRESSION_MODES = ("off", "s2_auto", "s2_uncompressed", "s2_fast", "s2_better", "s2_best")
LEAF_SCHEMES = ("nats-leaf", "tls", "nats", "ws", "wss")
_NO_LINK = "# No link to HQ.\n"
_RESTART_KEYS = ("server_name", "jetstream", "    proxy")


@dataclass(frozen=True)
class LeafProxy:
    """An HTTP proxy the leaf link tunnels through (``CONNECT``, Basic authentication).

    nats-server 2.12 and later tunnel every leaf remote through it, plain and WebSocket alike
    (tried with 2.15.1); a ``wss://`` remote through a proxy needs the TLS settings.
    """

    url: str
    username: str | None = None
    password: str | None = None

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"{self.url!r} is not an HTTP proxy (http://host:port)")
        if self.password is not None and self.username is None:
            raise ValueError("a proxy password needs a proxy login")


@dataclass(frozen=True)
class LeafLink:
    """What a vehicle needs to join HQ.

    Attributes:
        vehicle_id: the vehicle's id (its serial): its JetStream domain at HQ.
        hq_urls: HQ's leaf addresses, ``nats-leaf://host:7422`` (``tls://`` with mTLS,
            ``wss://host/`` through a WebSocket listener).
        nkey_seed: the vehicle's user seed (``SU…``), made by HQ's ``register``.
        ca_file, cert_file, key_file: mTLS to HQ: its CA, the vehicle's certificate and key.
        account: the local account whose JetStream HQ reaches (the services').
        command_account: the local account HQ's live commands arrive in, through a remote of
            its own (the integrator's: they act at most as an integrator); None: they arrive in
            ``account`` with the first remote (a light vehicle of the simulation, no owners).
        proxy: an HTTP proxy to reach HQ through.
        max_file_store, max_memory_store: JetStream limits, sized for the longest outage.
        compression: one of :data:`COMPRESSION_MODES`; ``off`` also turns it off at HQ's end.
    """

    vehicle_id: str
    hq_urls: Sequence[str]
    nkey_seed: str
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    account: str = SERVICE_ACCOUNT
    command_account: str | None = INTEGRATOR_ACCOUNT
    proxy: LeafProxy | None = None
    max_file_store: str = "1GB"
    max_memory_store: str = "64MB"
    compression: str = COMPRESSION

    def __post_init__(self) -> None:
        check_vehicle_id(self.vehicle_id)
        if self.compression not in COMPRESSION_MODES:
            modes = ", ".join(COMPRESSION_MODES)
            raise ValueError(f"{self.compression!r} is not a link compression ({modes})")
        if not self.hq_urls:
            raise ValueError("give at least one HQ leaf address (nats-leaf://host:7422)")
        for url in self.hq_urls:
            if url.split("://", 1)[0] not in LEAF_SCHEMES:
                raise ValueError(f"{url!r} is not a leaf address (nats-leaf://host:7422)")
        if not self.nkey_seed.startswith("SU"):
            raise ValueError("the vehicle's credential is a user nkey seed (SU…)")
        files = (self.ca_file, self.cert_file, self.key_file)
        if any(files) and not all(files):
            raise ValueError("mTLS needs all three: the CA, the certificate and its key")
        is_secure = any(url.startswith("wss://") for url in self.hq_urls)
        if self.proxy is not None and is_secure and not all(files):
            raise ValueError("through a proxy, a wss:// address needs the TLS settings (mTLS)")


def _remote(link: LeafLink, account: str) -> list[str]:
    remote = [
        f"    urls: {json.dumps(list(link.hq_urls))}",
        f"    account: {account}",
        f"    nkey: {json.dumps(link.nkey_seed)}",
        f"    compression: {link.compression}",
        f'    first_info_timeout: "{FIRST_INFO_TIMEOUT}"',
    ]
    if link.ca_file and link.cert_file and link.key_file:
        remote.append(
            f"    tls {{ ca_file: {json.dumps(link.ca_file)}, cert_file: "
            f"{json.dumps(link.cert_file)}, key_file: {json.dumps(link.key_file)} }}"
        )
    if link.proxy is not None:
        fields = [f"url: {json.dumps(link.proxy.url)}"]
        if link.proxy.username is not None:
            fields.append(f"username: {json.dumps(link.proxy.username)}")
        if link.proxy.password is not None:
            fields.append(f"password: {json.dumps(link.proxy.password)}")
        remote.append(f"    proxy {{ {', '.join(fields)} }}")
    return remote


def render_server(link: LeafLink | None) -> str:
    """The top-level include: the leaf remote to HQ and the vehicle's JetStream domain."""
    if link is None:
        return _NO_LINK
    return "\n".join(
        [
            f"# Link of vehicle {link.vehicle_id} to HQ.",
            f"server_name: {link.vehicle_id}",
            f'ping_interval: "{PING_INTERVAL}"',
            f"ping_max: {PING_MAX}",
            f"jetstream {{ domain: {link.vehicle_id}, max_file_store: {link.max_file_store}, "
            f"max_memory_store: {link.max_memory_store} }}",
            "leafnodes {",
            f'  reconnect_interval: "{RECONNECT_INTERVAL}"',
            "  remotes: [ {",
            *_remote(link, link.account),
            *(["  }, {", *_remote(link, link.command_account)] if link.command_account else []),
            "  } ]",
            "}",
            "",
        ]
    )


def render_account(link: LeafLink | None) -> str:
    """The integrator's account include: HQ's live commands mapped onto the local subjects."""
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
    """What nats-server cannot change on reload: its name, JetStream, a remote's proxy."""
    return [line for line in text.splitlines() if line.startswith(_RESTART_KEYS)]


def write_link(folder: Path, link: LeafLink | None) -> bool:
    """Write both include files into ``folder`` (for the owner only: they hold the seed).

    Returns:
        Whether nats-server must be restarted (its name, JetStream domain or limits, or the
        proxy changed): a reload is refused then.
    """
    server_file = folder / FLEET_SERVER_FILE
    before = server_file.read_text() if server_file.exists() else ""
    text = render_server(link)
    write_include(server_file, text)
    write_include(folder / FLEET_ACCOUNT_FILE, render_account(link))
    return _restart_lines(before) != _restart_lines(text)


def includes() -> tuple[str, str]:
    """The lines a vehicle's ``nats-server.conf`` needs: at the top level, in the account."""
    return f'include "{FLEET_SERVER_FILE}"', f'include "{FLEET_ACCOUNT_FILE}"'
