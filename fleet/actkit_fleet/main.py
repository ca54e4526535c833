"""``actkit-fleet``: HQ's command line (configuration, provisioning, the view) and the vehicle's.

HQ commands connect as the ``hq`` user: ``--server`` (or ``ACTKIT_FLEET_SERVER``), password in
``ACTKIT_HQ_PASSWORD_HQ``; on the vehicle, ``leaf-conf`` and ``agent`` use its own users
(``ACTKIT_NATS_PASSWORD_CLI``, ``_INTEGRATOR``). A failure prints one sentence and exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client

from actkit_core.fleetagent import run_queued_commands
from actkit_core.natsconf import reload_server
from actkit_fleet import leafconf, provision, registry, shards, view
from actkit_fleet.hqconf import (
    HQ_USER,
    SYS_USER,
    USERS_FILE,
    HqNode,
    LeafTls,
    password_variable,
    render_node,
    render_prometheus,
    render_users,
)
from actkit_fleet.jetstream import FleetError, JetStreamApi
from actkit_fleet.vehicle import prepare
from actkit_proto.errors import Invalid
from actkit_proto.fleet import InvalidVehicleId

EXPORTER_PORT = 7777
Action = Callable[[argparse.Namespace], Coroutine[Any, Any, None]]


def _say(text: str = "") -> None:
    sys.stdout.write(text + "\n")


async def _connect(
    args: argparse.Namespace, user: str = HQ_USER, *, is_service: bool = False
) -> Client:
    password = os.environ.get(password_variable(user), "")
    return await nats.connect(
        servers=args.server.split(","),
        user=user,
        password=password,
        connect_timeout=5,
        # A service beside the nodes outlives any one of them.
        max_reconnect_attempts=-1 if is_service else 60,
    )


async def hq_conf(args: argparse.Namespace) -> None:
    """Write every node's configuration, the users file (if none yet) and Prometheus'."""
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    nodes = [HqNode(name, name) for name in args.nodes.split(",")]
    tls = LeafTls(*args.tls) if args.tls else None
    for node in nodes:
        text = render_node(node, nodes, Path(args.store_dir), tls=tls)
        (out / f"{node.name}.conf").write_text(text)
    if not (out / USERS_FILE).exists():
        (out / USERS_FILE).write_text(render_users({}))
    (out / "prometheus.yml").write_text(render_prometheus(nodes, EXPORTER_PORT))
    _say(f"wrote {', '.join(f'{n.name}.conf' for n in nodes)}, prometheus.yml in {out}")


async def setup(args: argparse.Namespace) -> None:
    """Create HQ's streams and bucket."""
    client = await _connect(args)
    try:
        await provision.setup(JetStreamApi(client), args.replicas, args.shards)
    finally:
        await client.close()
    _say(f"HQ streams ready ({args.shards} events shards, {args.replicas} replicas)")


async def register(args: argparse.Namespace) -> None:
    """Register vehicles; each one's seed goes into a file for its installer."""
    client = await _connect(args)
    try:
        seeds = await provision.register(
            JetStreamApi(client), args.conf_dir, args.vehicle_ids, args.credentials_dir, args.pid
        )
    finally:
        await client.close()
    for vehicle_id, path in seeds.items():
        _say(
            f"{vehicle_id}: registered; its seed is in {path} (give it to the vehicle only); "
            "its source at HQ is added when it first links, by `actkit-fleet resume`"
        )
    if not args.pid:
        _say(f"reload every HQ node now ({args.conf_dir / USERS_FILE} changed): SIGHUP")


async def revoke(args: argparse.Namespace) -> None:
    """Cut a vehicle off."""
    client = await _connect(args)
    system = await _connect(args, SYS_USER)
    try:
        kicked = await provision.revoke(
            JetStreamApi(client), args.conf_dir, args.vehicle_id, args.pid, system
        )
    finally:
        await system.close()
        await client.close()
    _say(f"{args.vehicle_id}: revoked, {kicked} open link(s) closed")
    if not args.pid:
        _say("reload every HQ node now, then run revoke's kick again: `actkit-fleet kick`")


async def kick(args: argparse.Namespace) -> None:
    """Close a vehicle's open links (after HQ's nodes reloaded without its user)."""
    system = await _connect(args, SYS_USER)
    try:
        kicked = await provision.disconnect(system, args.vehicle_id)
    finally:
        await system.close()
    _say(f"{args.vehicle_id}: {kicked} open link(s) closed")


async def vehicles(args: argparse.Namespace) -> None:
    """The vehicles table."""
    client = await _connect(args)
    try:
        rows = await view.vehicles(JetStreamApi(client), list(registry.load(args.conf_dir)))
    finally:
        await client.close()
    _say(f"{'vehicle':<16}{'link':<9}{'last seen':<18}{'backlog':>8}{'missing':>8}  problem")
    for row in rows:
        link = "online" if row.is_online else "offline"
        problem = row.error or (
            f"{row.missing} event(s) its source took are not at HQ" if row.missing else ""
        )
        _say(
            f"{row.vehicle_id:<16}{link:<9}{view.age(row.last_seen_s):<18}{row.lag:>8}"
            f"{row.missing:>8}  {problem}"
        )


async def show(args: argparse.Namespace) -> None:
    """One vehicle: its current state and last events."""
    client = await _connect(args)
    try:
        current = await view.state(JetStreamApi(client), args.vehicle_id)
        events = await view.last_events(client, args.vehicle_id, args.events)
    finally:
        await client.close()
    _say(f"vehicle {args.vehicle_id}: current state")
    for key, value in current.items():
        _say(f"  {key:<36} {_brief(value)}")
    _say(f"last {len(events)} events (last hour)")
    for subject, payload in events:
        _say(f"  {subject:<36} {_brief(payload)}")


def _brief(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in value.items() if k not in ("actor", "edge_ns"))
    return json.dumps(value)


async def send(args: argparse.Namespace) -> None:
    """Send a command to a vehicle, now or queued until it is linked."""
    command = view.checked_command(args.subject, args.payload)
    client = await _connect(args)
    try:
        if args.queue:
            seq = await view.queue(client, args.vehicle_id, command)
            _say(f"queued for {args.vehicle_id} (#{seq}); delivered once it is linked")
        else:
            _say(json.dumps(await view.send_live(client, args.vehicle_id, command)))
    finally:
        await client.close()


async def leaf_conf(args: argparse.Namespace) -> None:
    """On the vehicle: write the link's include files, reload nats-server, make the streams."""
    link = None
    if not args.off:
        seed = args.seed_file.read_text().strip()
        link = leafconf.LeafLink(args.vehicle_id, args.hq.split(","), seed, *args.tls)
    must_restart = leafconf.write_link(args.conf_dir, link)
    pid = leafconf.server_pid(args.store_dir)
    if pid is None:
        _say("written; nats-server is not running: it reads them when it starts")
    elif must_restart:
        _say(
            f"written; the JetStream domain changed: restart nats-server (pid {pid}) once "
            "(actkit run starts it again), then run this again to make the streams"
        )
    else:
        reload_server(args.store_dir / "ports")
        _say(f"written; nats-server (pid {pid}) reloaded, the services stay connected")
    if link is not None and args.server and not must_restart:
        client = await nats.connect(
            servers=[args.server], user=args.user, password=os.environ.get(args.password_env, "")
        )
        try:
            await prepare(JetStreamApi(client), link.vehicle_id)
        finally:
            await client.close()
        _say(f"streams ready for vehicle {link.vehicle_id}")


async def agent(args: argparse.Namespace) -> None:
    """On the vehicle: run HQ's queued commands as the integrator, until interrupted."""
    local = await nats.connect(
        servers=[args.server], user="cli", password=os.environ.get("ACTKIT_NATS_PASSWORD_CLI", "")
    )
    integrator = await nats.connect(
        servers=[args.server],
        user="integrator",
        password=os.environ.get("ACTKIT_NATS_PASSWORD_INTEGRATOR", ""),
    )
    try:
        await run_queued_commands(local, integrator, asyncio.Event())
    finally:
        await integrator.close()
        await local.close()


async def resume(args: argparse.Namespace) -> None:
    """Set up a vehicle's source again as soon as its link returns (runs until killed)."""
    from actkit_fleet.resume import Resumer

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    client = await _connect(args, is_service=True)
    system = await _connect(args, SYS_USER, is_service=True)
    try:
        await Resumer(system, JetStreamApi(client)).run(asyncio.Event())
    finally:
        await system.close()
        await client.close()


async def exporter(args: argparse.Namespace) -> None:
    """Serve an HQ node's monitoring endpoint as Prometheus metrics (runs until killed)."""
    from actkit_fleet.exporter import serve

    await asyncio.to_thread(serve, args.monitor, args.port)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="actkit-fleet", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    server = argparse.ArgumentParser(add_help=False)
    server.add_argument(
        "--server", default=os.environ.get("ACTKIT_FLEET_SERVER", "nats://hq1:4222")
    )
    conf = argparse.ArgumentParser(add_help=False)
    conf.add_argument("--conf-dir", type=Path, default=Path("deploy/hq"))
    conf.add_argument("--pid", type=int, action="append", default=[], help="HQ node to reload")

    sub = commands.add_parser("hq-conf", help="write the HQ nodes' configuration")
    sub.add_argument("--out", type=Path, default=Path("deploy/hq"))
    sub.add_argument("--nodes", default="hq1,hq2,hq3")
    sub.add_argument("--store-dir", default="/data/jetstream")
    sub.add_argument(
        "--tls", nargs=3, default=[], metavar=("CERT", "KEY", "CA"), help="mTLS on the leaf port"
    )
    sub.set_defaults(action=hq_conf)
    sub = commands.add_parser("setup", parents=[server], help="create HQ's streams")
    sub.add_argument("--replicas", type=int, choices=(1, 3), default=3)
    sub.add_argument(
        "--shards",
        type=int,
        default=shards.DEFAULT_SHARDS,
        help="streams the vehicles' events are spread over (more may be added later, never "
        f"fewer; default {shards.DEFAULT_SHARDS})",
    )
    sub.set_defaults(action=setup)
    sub = commands.add_parser("register", parents=[server, conf], help="register vehicles")
    sub.add_argument("vehicle_ids", nargs="+")
    sub.add_argument("--credentials-dir", type=Path, default=Path("credentials"))
    sub.set_defaults(action=register)
    sub = commands.add_parser("revoke", parents=[server, conf], help="cut a vehicle off")
    sub.add_argument("vehicle_id")
    sub.set_defaults(action=revoke)
    sub = commands.add_parser("kick", parents=[server], help="close a vehicle's open links")
    sub.add_argument("vehicle_id")
    sub.set_defaults(action=kick)
    sub = commands.add_parser("vehicles", parents=[server, conf], help="online, last seen")
    sub.set_defaults(action=vehicles)
    sub = commands.add_parser("show", parents=[server], help="a vehicle's state and events")
    sub.add_argument("vehicle_id")
    sub.add_argument("--events", type=int, default=10)
    sub.set_defaults(action=show)
    sub = commands.add_parser("send", parents=[server], help="send a vehicle a command")
    sub.add_argument("vehicle_id")
    sub.add_argument("subject", help="the command's subject, e.g. io.port.9.pulse")
    sub.add_argument("payload", help="its JSON, e.g. '{\"duration_ms\": 500}'")
    sub.add_argument("--queue", action="store_true", help="deliver when the vehicle is linked")
    sub.set_defaults(action=send)
    sub = commands.add_parser("agent", help="on the vehicle: run HQ's queued commands")
    sub.add_argument("--server", default="nats://127.0.0.1:4222")
    sub.set_defaults(action=agent)
    sub = commands.add_parser(
        "resume",
        parents=[server],
        help="a new vehicle's source at its first link; sources resumed on a link's return",
    )
    sub.set_defaults(action=resume)
    sub = commands.add_parser("exporter", help="an HQ node's metrics for Prometheus")
    sub.add_argument("--monitor", default="http://127.0.0.1:8222")
    sub.add_argument("--port", type=int, default=EXPORTER_PORT)
    sub.set_defaults(action=exporter)
    sub = commands.add_parser("leaf-conf", help="on the vehicle: link it to HQ (or --off)")
    sub.add_argument("--conf-dir", type=Path, default=Path("var"))
    sub.add_argument("--store-dir", type=Path, default=Path("var/nats"))
    sub.add_argument("--vehicle-id", default="")
    sub.add_argument("--hq", default="", help="HQ leaf addresses, comma-separated")
    sub.add_argument("--seed-file", type=Path)
    sub.add_argument("--tls", nargs=3, default=[], metavar=("CA", "CERT", "KEY"))
    sub.add_argument("--off", action="store_true", help="remove the link")
    sub.add_argument("--server", default="", help="the vehicle's nats-server, to make streams")
    sub.add_argument("--user", default="cli")
    sub.add_argument("--password-env", default="ACTKIT_NATS_PASSWORD_CLI")
    sub.set_defaults(action=leaf_conf)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; 0, or 1 with one sentence on standard error."""
    args = _parser().parse_args(argv)
    action: Action = args.action
    try:
        asyncio.run(action(args))
    except (
        FleetError,
        Invalid,
        InvalidVehicleId,
        registry.RegistryError,
        ValueError,
        OSError,
    ) as exc:
        sys.stderr.write(f"actkit-fleet {args.command}: {exc}\n")
        return 1
    return 0


def run() -> None:
    """The ``actkit-fleet`` entry point."""
    sys.exit(main())
