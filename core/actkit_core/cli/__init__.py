"""The ``actkit`` command line: run the stack, see its status, drive the simulator."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from actkit_core.logging import configure_logging

ROOT = Path.cwd()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="actkit", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("var"), help="state folder (var/)")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start nats-server and every service (sim hardware)")
    run.add_argument("--nats-port", type=int, default=4222)
    run.add_argument(
        "--metrics-base", type=int, help="metrics ports base+0, base+1, ... (default 9301, ...)"
    )
    run.add_argument(
        "--launch",
        choices=["fork", "exec"],
        default="fork",
        help="fork services from one preloaded parent (default), or exec each interpreter afresh",
    )
    run.add_argument(
        "--nats-url", help="use this running nats-server (passwords from the environment)"
    )
    run.add_argument(
        "--service-user", help="run as root: every service but system runs as this user"
    )

    status = commands.add_parser("status", help="ping every service over the bus")
    status.add_argument("--nats-url", default="nats://127.0.0.1:4222")

    sim = commands.add_parser("sim", help="drive the simulated hardware")
    sim_commands = sim.add_subparsers(dest="device", required=True)
    sim_input = sim_commands.add_parser("input", help="put an input's circuit in a state")
    sim_input.add_argument("port_id", type=int)
    sim_input.add_argument("circuit", choices=["open", "closed", "cut", "short"])
    sim_button = sim_commands.add_parser("button", help="press and release the control button")
    sim_ignition = sim_commands.add_parser("ignition", help="switch the ignition on or off")
    sim_ignition.add_argument("state", choices=["on", "off"])
    for device in (sim_input, sim_button, sim_ignition):
        device.add_argument("--nats-url", default="nats://127.0.0.1:4222")

    commands.add_parser("asyncapi", help="write proto/asyncapi.yaml from the message models")
    commands.add_parser("nats-conf", help="write deploy/nats-server.conf from the services table")
    migration = commands.add_parser("migration", help="autogenerate a migration for a service")
    migration.add_argument("service")
    migration.add_argument("message")
    commands.add_parser(
        "migrations-check", help="fail when a service's models and migrations differ"
    )
    new = commands.add_parser("new-service", help="create services/<name> from templates/service")
    new.add_argument("name")
    new.add_argument("summary")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``actkit`` console script; returns the exit code."""
    args = _parser().parse_args(argv)
    configure_logging("actkit", "INFO")
    match args.command:
        case "run":
            from actkit_core import lifecycle
            from actkit_core.cli.launch import LAUNCHERS, ServiceUser
            from actkit_core.cli.service_access import check_service_user
            from actkit_core.cli.supervisor import Supervisor

            user = ServiceUser.named(args.service_user) if args.service_user else None
            if user is not None:
                check_service_user(user, args.data_dir.resolve())
            supervisor = Supervisor(
                args.data_dir,
                args.nats_port,
                metrics_base=args.metrics_base,
                launcher=LAUNCHERS[args.launch](user),
                nats_url=args.nats_url,
            )
            lifecycle.run(supervisor.run())
            return 0
        case "status":
            from actkit_core.cli.status import print_status

            return asyncio.run(print_status(args.nats_url, args.data_dir))
        case "sim":
            from actkit_core.cli.status import simulate

            return asyncio.run(simulate(args.nats_url, args.data_dir, args))
        case "asyncapi" | "nats-conf":
            from actkit_core.cli.contract import write_asyncapi, write_nats_conf

            target = write_asyncapi(ROOT) if args.command == "asyncapi" else write_nats_conf(ROOT)
            print(f"wrote {target.relative_to(ROOT)}")
            return 0
        case "migration" | "migrations-check":
            from actkit_core.cli.migrations import check_migrations, make_migration

            if args.command == "migration":
                return make_migration(args.service, args.message)
            return check_migrations()
        case "new-service":
            from actkit_core.cli.scaffold import new_service

            target = new_service(
                ROOT / "templates/service", ROOT / "services", args.name, args.summary
            )
            print(f"created {target.relative_to(ROOT)}; add it to proto/actkit_proto/services.py")
            return 0
    return 2  # pragma: no cover - argparse requires one of the commands matched above


if __name__ == "__main__":
    sys.exit(main())
