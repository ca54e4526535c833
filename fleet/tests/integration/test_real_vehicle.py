"""A real actkit vehicle (its own nats-server configuration, the io service) linked to HQ:
its input shows at HQ, HQ pulses its relay live, and queued during a cut, delivered after it."""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import nats
import pytest

from actkit_core.bus import Bus
from actkit_core.cli.supervisor import credentials
from actkit_core.fleetagent import run_queued_commands
from actkit_core.natsconf import password_variable, render
from actkit_core.natsserver import NatsServer
from actkit_core.testing.plugin import running
from actkit_fleet import view
from actkit_fleet.jetstream import FleetError, JetStreamApi
from actkit_fleet.leafconf import LeafLink, write_link
from actkit_fleet.sim.fleet import SimFleet
from actkit_fleet.sim.proxy import LinkProxy
from actkit_fleet.vehicle import prepare
from actkit_io.main import serve
from actkit_io.settings import IoSettings
from actkit_proto.io import Circuit, DriveInput, PulsePort

pytestmark = pytest.mark.timeout(150)
T = TypeVar("T")


async def soon(check: Callable[[], Awaitable[T]], timeout_s: float = 30.0) -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        with contextlib.suppress(FleetError, AssertionError, KeyError):
            return await check()
        assert time.monotonic() < deadline, "not in time"
        await asyncio.sleep(0.3)


async def test_a_real_vehicles_input_shows_at_hq_and_hq_pulses_its_relay_live_and_queued(
    fleet: SimFleet, tmp_path: Path
) -> None:
    assert fleet.api is not None and fleet.client is not None
    folder = tmp_path / "real"
    passwords = credentials(folder)
    config = folder / "nats-server.conf"
    config.write_text(render(has_fleet_link=True))
    proxy = LinkProxy([("127.0.0.1", node.leaf_port) for node in fleet.hq.nodes])
    await proxy.start()
    seeds = await fleet.hq.register(fleet.api, ["real1"])
    # Written before nats-server starts: its first start takes the domain (a reload cannot).
    write_link(folder, LeafLink("real1", [proxy.url], seeds["real1"]))
    server = NatsServer(
        folder / "nats",
        config=config,
        env={password_variable(user): password for user, password in passwords.items()},
    )
    url = await server.start_async()
    try:
        cli = await nats.connect(url, user="cli", password=passwords["cli"])
        await prepare(JetStreamApi(cli), "real1")
        await cli.close()
        # As cli: the test helper pings the service with its settings' user (io may not).
        settings = IoSettings(
            nats_url=url, nats_user="cli", nats_password=passwords["cli"], data_dir=folder
        )
        async with (
            running(serve, settings),
            Bus.connect("test", servers=[url], user="cli", password=passwords["cli"]) as bus,
        ):
            await bus.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))

            async def input_at_hq() -> None:
                assert fleet.api is not None
                state = await view.state(fleet.api, "real1")
                assert state["io.port.1.changed"]["is_active"] is True

            await soon(input_at_hq)

            async def pulse() -> object:
                assert fleet.client is not None
                command = PulsePort(port_id=9, duration_ms=300)
                return await view.send_live(fleet.client, "real1", command, timeout_s=2)

            reply = await soon(pulse)
            assert isinstance(reply, dict) and reply["port_id"] == 9

            async def relay_pulsed() -> None:
                assert fleet.client is not None
                events = await view.last_events(fleet.client, "real1", count=50)
                relay = [p["is_active"] for s, p in events if s == "io.port.9.changed"]
                assert relay[-2:] == [True, False]

            await soon(relay_pulsed)

            # Queued while the link is cut: the vehicle's agent runs it once the link is back.
            proxy.cut()
            await view.queue(fleet.client, "real1", PulsePort(port_id=9, duration_ms=400))
            local = await nats.connect(url, user="cli", password=passwords["cli"])
            integrator = await nats.connect(
                url, user="integrator", password=passwords["integrator"]
            )
            stop = asyncio.Event()
            agent = asyncio.create_task(run_queued_commands(local, integrator, stop))
            await asyncio.sleep(1)
            proxy.restore()

            async def relay_pulsed_twice() -> None:
                assert fleet.client is not None
                events = await view.last_events(fleet.client, "real1", count=50)
                relay = [p["is_active"] for s, p in events if s == "io.port.9.changed"]
                assert relay[-4:] == [True, False, True, False]

            try:
                await soon(relay_pulsed_twice)
            finally:
                stop.set()
                await agent
                await local.close()
                await integrator.close()
    finally:
        server.stop()
        await proxy.close()
