"""A vehicle's source at HQ is added at its first link, once it has its consumer, and heard from."""

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from actkit_fleet import provision, shards, view
from actkit_fleet.firstlink import ANSWER_WAIT_S, FirstLinks
from actkit_fleet.sim.check import arrivals, by_vehicle
from actkit_fleet.sim.cluster import light_vehicles
from actkit_fleet.sim.fleet import SimFleet, SimVehicle
from actkit_fleet.sim.proxy import LinkProxy
from actkit_proto.io import Circuit, Direction, PortChanged

pytestmark = pytest.mark.timeout(150)

EVENT = PortChanged(
    port_id=1, direction=Direction.INPUT, is_active=True, circuit=Circuit.CLOSED, edge_ns=0
)


async def until_linked(fleet: SimFleet, vehicle_id: str) -> None:
    """Until an HQ node lists the vehicle's leaf connection."""
    system = await fleet.hq.connect_system()
    try:
        deadline = time.monotonic() + 30
        while True:
            nodes = await provision.ping_nodes(system, "LEAFZ")
            if any(leaf.get("name") == vehicle_id for n in nodes for leaf in n.get("leafs") or []):
                return
            assert time.monotonic() < deadline, f"{vehicle_id} never linked"
            await asyncio.sleep(0.2)
    finally:
        await system.close()


async def new_vehicle(fleet: SimFleet) -> SimVehicle:
    """A vehicle registered, linked through its proxy (its events consumer not made yet)."""
    assert fleet.api is not None
    (vehicle,) = light_vehicles(fleet.folder / "vehicles", 1)
    proxy = LinkProxy([("127.0.0.1", node.leaf_port) for node in fleet.hq.nodes])
    await proxy.start()
    sim = SimVehicle(vehicle, proxy)
    fleet.vehicles.append(sim)  # closed with the fleet
    seeds = await fleet.hq.register(fleet.api, [sim.vehicle_id])
    # Registered, not linked: no source asks for a consumer nobody can answer for.
    assert await shards.vehicle_sources(fleet.api) == {}
    vehicle.write(fleet.link(sim, seeds[sim.vehicle_id]))
    await vehicle.start()
    sim.client = await vehicle.connect()
    await until_linked(fleet, sim.vehicle_id)
    return sim


async def all_at_hq(fleet: SimFleet, sim: SimVehicle) -> None:
    assert await fleet.wait_until_complete(timeout_s=30) >= 0
    results = by_vehicle(arrivals(await fleet.hq_messages()), {sim.vehicle_id: sim.stored})
    assert (results[sim.vehicle_id].lost, results[sim.vehicle_id].duplicated) == (0, 0)


@pytest_asyncio.fixture
async def empty_fleet(tmp_path: Path) -> AsyncIterator[SimFleet]:
    """A 3-node HQ, its resumer running as at HQ, and no vehicle yet."""
    async with SimFleet(tmp_path, count=0, shards=2) as fleet:
        yield fleet


async def test_a_source_is_added_at_the_first_link_once_the_vehicle_has_its_consumer(
    empty_fleet: SimFleet,
) -> None:
    fleet = empty_fleet
    sim = await new_vehicle(fleet)
    assert fleet.api is not None and sim.client is not None
    # Linked, its events consumer not made yet: still none (it would be set up in error).
    await asyncio.sleep(2.0)
    assert await shards.vehicle_sources(fleet.api) == {}
    (row,) = await view.vehicles(fleet.api, [sim.vehicle_id])
    assert (row.is_online, row.error) == (False, view.UNSOURCED)

    await sim.vehicle.prepare(sim.client)
    await sim.publish(EVENT.to_subject(), EVENT.to_wire())  # before HQ listens
    await fleet.until_sourced([sim.vehicle_id], timeout_s=30)
    await all_at_hq(fleet, sim)
    assert fleet.hq.first_links() == 1


async def test_a_resumer_started_later_adds_the_sources_of_vehicles_already_linked(
    tmp_path: Path,
) -> None:
    async with SimFleet(tmp_path, count=0, is_resuming=False, shards=1) as fleet:
        sim = await new_vehicle(fleet)
        assert fleet.api is not None and sim.client is not None
        await sim.vehicle.prepare(sim.client)
        await sim.publish(EVENT.to_subject(), EVENT.to_wire())
        await asyncio.sleep(1.0)
        assert await shards.vehicle_sources(fleet.api) == {}  # nobody to add it yet
        fleet.hq.start_resumer()
        await fleet.until_sourced([sim.vehicle_id], timeout_s=30)
        await all_at_hq(fleet, sim)


async def test_a_source_added_and_unheard_from_is_taken_out_and_added_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="actkit_fleet.firstlink")
    async with SimFleet(tmp_path, count=0, is_resuming=False, shards=1) as fleet:
        sim = await new_vehicle(fleet)
        assert fleet.api is not None and sim.client is not None
        await sim.vehicle.prepare(sim.client)
        await sim.publish(EVENT.to_subject(), EVENT.to_wire())
        # Its link gone as its source is added: the set-up's ask goes nowhere.
        sim.proxy.cut()
        placed = await shards.add_vehicles(fleet.api, [sim.vehicle_id], "first link")
        started = time.monotonic()
        settling = asyncio.create_task(FirstLinks(fleet.api).settle(placed))
        await asyncio.sleep(1.0)
        sim.proxy.restore()
        await asyncio.wait_for(settling, timeout=3 * ANSWER_WAIT_S)
        assert "taken out, added again" in caplog.text
        # Added once more after nats-server's own wait for the lost ask's answer, and heard.
        assert time.monotonic() - started >= ANSWER_WAIT_S
        assert int((await shards.vehicle_sources(fleet.api))[sim.vehicle_id].state["active"]) >= 0
        await all_at_hq(fleet, sim)
