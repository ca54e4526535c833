"""``actkit status`` and ``actkit sim``: talk to a running stack as the ``cli`` user."""

from __future__ import annotations

import asyncio
import json
from argparse import Namespace
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nats.errors import NoServersError

from actkit_core.bus import Bus
from actkit_proto.base import Command
from actkit_proto.errors import BusError
from actkit_proto.io import Circuit, DriveInput, PressButton, SwitchIgnition
from actkit_proto.service import GetServiceStatus
from actkit_proto.services import SERVICE_NAMES

PING_WINDOW_S = 0.5


@asynccontextmanager
async def connect_cli(nats_url: str, data_dir: Path) -> AsyncIterator[Bus]:
    """A bus as the ``cli`` user, with the password ``actkit run`` made (if there is one)."""
    options: dict[str, Any] = {"servers": [nats_url], "max_reconnect_attempts": 1}
    path = data_dir / "nats-credentials.json"
    login = f"without a password ({path} does not exist)"
    if path.exists():
        options.update(user="cli", password=json.loads(path.read_text())["cli"])
        login = f"with the cli password from {path}"
    async with AsyncExitStack() as stack:
        try:
            bus = await stack.enter_async_context(Bus.connect("actkit-cli", **options))
        except (NoServersError, OSError) as exc:
            raise SystemExit(
                f"cannot log in to nats-server at {nats_url} {login}: is `actkit run` "
                f"running there with --data-dir {data_dir}? ({exc})"
            ) from None
        yield bus


async def discover(bus: Bus) -> list[dict[str, Any]]:
    """Every ``$SRV.PING`` answer that arrives within half a second."""
    answers: list[dict[str, Any]] = []
    inbox = bus.client.new_inbox()
    subscription = await bus.client.subscribe(inbox)
    await bus.client.publish("$SRV.PING", b"", reply=inbox)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PING_WINDOW_S
    while (left := deadline - loop.time()) > 0:
        try:
            msg = await subscription.next_msg(timeout=left)
        except TimeoutError:
            break
        if msg.headers and msg.headers.get("Status") == "503":
            break  # the server's "no responders": no service is up to answer
        answers.append(json.loads(msg.data))
    await subscription.unsubscribe()
    return answers


async def print_status(nats_url: str, data_dir: Path) -> int:
    """Print a table of the services; exit code 1 when one does not answer."""
    async with connect_cli(nats_url, data_dir) as bus:
        pings = {answer["name"]: answer for answer in await discover(bus)}
        header = ("service", "version", "adapter", "up", "handled", "failed")
        print("{:<10}{:<10}{:<9}{:>9}{:>9}{:>8}  metrics".format(*header))
        missing = 0
        for name in SERVICE_NAMES:
            if name not in pings:
                missing += 1
                print(f"{name:<10}not answering")
                continue
            try:
                status = await bus.request(GetServiceStatus(service=name))
            except BusError as exc:
                print(f"{name:<10}answers $SRV.PING but not its status: {exc.message}")
                missing += 1
                continue
            up_s = (datetime.now(UTC) - status.started_at).total_seconds()
            print(
                f"{name:<10}{status.version:<10}{status.adapter or '-':<9}{up_s:>8.0f}s"
                f"{status.handled:>9}{status.failed:>8}  :{status.metrics_port}"
            )
        print(f"\n{len(SERVICE_NAMES) - missing} of {len(SERVICE_NAMES)} services answering")
        return 1 if missing else 0


async def simulate(nats_url: str, data_dir: Path, args: Namespace) -> int:
    """Drive the simulated hardware as ``actkit sim ...`` asks and say what happened."""
    command: Command[Any]
    match args.device:
        case "input":
            command = DriveInput(port_id=args.port_id, circuit=Circuit(args.circuit))
            done = f"input {args.port_id} is now {args.circuit}"
        case "button":
            command = PressButton(is_pressed=True)
            done = "the control button was pressed and released"
        case _:
            command = SwitchIgnition(is_on=args.state == "on")
            done = f"the ignition is now {args.state}"
    async with connect_cli(nats_url, data_dir) as bus:
        try:
            await bus.request(command)
            if args.device == "button":
                await bus.request(PressButton(is_pressed=False))
        except BusError as exc:
            print(f"refused: {exc.message}")
            return 1
        print(done)
        return 0
