"""Input edge to beacon heard, through real BlueZ in the radios VM: ``tools/radios-vm.sh bench``.

Each edge closes simulated input 1; a rule broadcasts the lightbar beacon; a camera scanning on
the second controller hears it. The time is from the edge (``PortChanged.edge_ns``) to the
camera's first report of that beacon's bytes; the input then opens and the beacon stops before
the next edge. The VM's controllers are emulated (TCG), so the figure is an upper bound of the
software path, not a board's.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from actkit_ble.main import serve as serve_ble
from actkit_ble.settings import BleSettings
from actkit_core.bus import Bus
from actkit_core.natsserver import NatsServer
from actkit_core.testing.plugin import running
from actkit_events.main import serve as serve_events
from actkit_events.settings import EventsSettings
from actkit_io.main import serve as serve_io
from actkit_io.settings import IoSettings
from actkit_proto.beacon import AXIS_COMPANY_ID, Beacon, encode
from actkit_proto.ble import BroadcastChanged
from actkit_proto.events import BroadcastAction, CreateRule, InputCondition, RuleSpec
from actkit_proto.io import Circuit, DriveInput, PortChanged
from bench.stats import Latency


def _suite_peers() -> Any:
    """tests/radios/bluez.py: the suite's VM client and camera (``tests`` names another package)."""
    path = Path(__file__).parents[1] / "tests" / "radios" / "bluez.py"
    spec = importlib.util.spec_from_file_location("radios_bluez", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


peers = _suite_peers()

EDGES = int(os.environ.get("ACTKIT_BENCH_RADIO_EDGES", "100"))
SYSTEM_ID = 0x12345678


async def measure(vm: Any, folder: Path, edges: int) -> Latency:
    server = NatsServer(store_dir=folder / "nats")
    url = server.start()
    kit = {"nats_url": url, "data_dir": folder, "metrics_port": 0}
    latency = Latency("input edge -> beacon heard (real BlueZ, btvirt, TCG)")
    try:
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(running(serve_io, IoSettings.model_validate(kit)))
            await stack.enter_async_context(
                running(serve_events, EventsSettings.model_validate(kit))
            )
            ble = {**kit, "adapter": "bluez", "dbus_address": vm.bus_address}
            ble["controller"] = vm.kit
            await stack.enter_async_context(running(serve_ble, BleSettings.model_validate(ble)))
            bus = await stack.enter_async_context(Bus.connect("bench", servers=[url]))
            camera = await stack.enter_async_context(peers.Camera.open(vm.bus_address, vm.camera))
            await camera.scan()
            action = BroadcastAction(system_id=SYSTEM_ID, message_type=1)
            rule = RuleSpec(name="Lightbar", conditions=[InputCondition(port_id=1)], action=action)
            await bus.request(CreateRule(rule=rule))
            edges_ns: asyncio.Queue[int] = asyncio.Queue()
            changes: asyncio.Queue[BroadcastChanged] = asyncio.Queue()

            async def edge(event: PortChanged) -> None:
                if event.is_active:
                    edges_ns.put_nowait(event.edge_ns)

            await bus.subscribe(PortChanged, edge, port_id="1")
            await bus.subscribe(BroadcastChanged, changes.put, system_id=str(SYSTEM_ID))
            await bus.client.flush()
            for _ in range(edges):
                await bus.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))
                edge_ns = await asyncio.wait_for(edges_ns.get(), 10)
                started = await asyncio.wait_for(changes.get(), 10)
                assert started.is_active and started.sequence is not None
                payload = encode(Beacon(SYSTEM_ID, 1, started.sequence, flags=1))
                # Timed to the report that came by itself: a rescan would make one of its own.
                report = await camera.heard(
                    AXIS_COMPANY_ID, payload, after_s=edge_ns / 1e9, rescan_s=None
                )
                latency.add_ns(int(report.at_s * 1e9) - edge_ns)
                await bus.request(DriveInput(port_id=1, circuit=Circuit.OPEN))
                while (await asyncio.wait_for(changes.get(), 10)).is_active:
                    pass
    finally:
        server.stop()
    return latency


def main() -> None:
    vm = peers.RadiosVm(
        os.environ["ACTKIT_RADIOS_BUS"],
        os.environ["ACTKIT_RADIOS_CONTROL"],
        Path(os.environ["ACTKIT_RADIOS_LOGS"]),
    )
    edges = int(sys.argv[1]) if len(sys.argv) > 1 else EDGES

    async def run() -> Latency:
        await vm.stop_bluetoothd()
        await vm.start_bluetoothd()
        with tempfile.TemporaryDirectory() as folder:
            return await measure(vm, Path(folder), edges)

    started = time.monotonic()
    latency = asyncio.run(run())
    summary = {latency.name: latency.summary(), "seconds": round(time.monotonic() - started)}
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
