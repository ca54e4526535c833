"""A device started the normal way (``actkit run``), linked from its cloud connection settings:
a command HQ queued while the link was cut pulses its relay once the link is back, run by the
network service's agent as the integrator."""

import asyncio
import contextlib
import time
from pathlib import Path

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.stack import running_stack
from actkit_fleet import view
from actkit_fleet.jetstream import FleetError
from actkit_fleet.sim.fleet import SimFleet
from actkit_fleet.sim.proxy import LinkProxy
from actkit_proto.io import PulsePort
from actkit_proto.network import GetO3cStatus, O3cMode, O3cSettings, SetO3c

pytestmark = [pytest.mark.timeout(240), pytest.mark.stack]


async def relay_pulses(fleet: SimFleet, vehicle_id: str) -> int:
    """How many times HQ saw the vehicle's relay go on."""
    assert fleet.client is not None
    with contextlib.suppress(FleetError, TimeoutError):
        events = await view.last_events(fleet.client, vehicle_id, count=100)
        return sum(1 for s, p in events if s == "io.port.9.changed" and p["is_active"])
    return 0


async def test_a_command_queued_during_a_cut_pulses_the_relay_of_a_device_run_normally(
    tmp_path: Path,
) -> None:
    fleet = SimFleet(tmp_path / "hq", count=1)
    proxy: LinkProxy | None = None
    try:
        await fleet.start()
        assert fleet.api is not None and fleet.client is not None
        proxy = LinkProxy([("127.0.0.1", node.leaf_port) for node in fleet.hq.nodes])
        await proxy.start()
        with running_stack(tmp_path / "car", timeout_s=120) as stack:
            async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
                deadline = time.monotonic() + 30
                while (vehicle_id := (await bus.request(GetO3cStatus())).vehicle_id) is None:
                    assert time.monotonic() < deadline, "the device never knew its serial"
                    await asyncio.sleep(0.3)
                seeds = await fleet.hq.register(fleet.api, [vehicle_id])
                o3c = O3cSettings(
                    mode=O3cMode.ALWAYS, hq_urls=[proxy.url], nkey_seed=seeds[vehicle_id]
                )
                await bus.request(SetO3c(settings=o3c))

                # Linked (nats-server restarted once for the new domain): HQ hears its source.
                deadline = time.monotonic() + 90
                while True:
                    rows = await view.vehicles(fleet.api, [vehicle_id])
                    if rows and rows[0].is_online:
                        break
                    assert time.monotonic() < deadline, f"never linked: {rows}"
                    await asyncio.sleep(0.5)

                proxy.cut()
                await view.queue(fleet.client, vehicle_id, PulsePort(port_id=9, duration_ms=300))
                await asyncio.sleep(2)
                assert await relay_pulses(fleet, vehicle_id) == 0
                proxy.restore()

                deadline = time.monotonic() + 60
                while await relay_pulses(fleet, vehicle_id) < 1:
                    assert time.monotonic() < deadline, "the queued pulse never ran"
                    await asyncio.sleep(0.5)
    finally:
        if proxy is not None:
            await proxy.close()
        await fleet.close()
