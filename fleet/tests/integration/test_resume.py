"""HQ's resumer: a stalled source is set up again from where HQ stood; a link's return is seen."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from nats.aio.msg import Msg

from actkit_fleet import shards
from actkit_fleet.resume import Resumer
from actkit_fleet.sim.check import arrivals, by_vehicle
from actkit_fleet.sim.fleet import SimFleet
from actkit_fleet.stalled import NewLeader, is_stalled, resume
from actkit_proto.io import Circuit, Direction, PortChanged

pytestmark = pytest.mark.timeout(180)


@pytest_asyncio.fixture
async def quiet_fleet(tmp_path: Path) -> AsyncIterator[SimFleet]:
    """A 3-node HQ and 3 light vehicles in one events shard, no resumer (the tests run one)."""
    async with SimFleet(tmp_path, count=3, is_resuming=False, shards=1) as fleet:
        yield fleet


async def publish_some(fleet: SimFleet, count: int) -> None:
    event = PortChanged(
        port_id=1, direction=Direction.INPUT, is_active=True, circuit=Circuit.CLOSED, edge_ns=0
    )
    for _ in range(count):
        for sim in fleet.vehicles:
            await sim.publish(event.to_subject(), event.to_wire())


async def until_stalled(fleet: SimFleet, vehicle_id: str, is_wanted: bool = True) -> None:
    """Until HQ finds the vehicle's source stalled (or, ``is_wanted=False``, running)."""
    assert fleet.api is not None
    for _ in range(300):
        where = (await shards.vehicle_sources(fleet.api)).get(vehicle_id)
        if where is not None and is_stalled(where.state) is is_wanted:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{vehicle_id}'s source never {'stalled' if is_wanted else 'ran'}")


async def until_running(fleet: SimFleet, vehicle_id: str) -> None:
    await until_stalled(fleet, vehicle_id, is_wanted=False)


async def resume_once_settled(fleet: SimFleet, linked_for_ns: dict[str, int]) -> list[str]:
    """:func:`resume`, asked again once a new shard's leader has set its sources up itself."""
    assert fleet.api is not None
    try:
        return await resume(fleet.api, linked_for_ns)
    except NewLeader as exc:
        await asyncio.sleep(exc.wait_s)
        return await resume(fleet.api, linked_for_ns)


async def test_a_stalled_source_is_set_up_again_from_where_hq_stood(
    quiet_fleet: SimFleet,
) -> None:
    fleet = quiet_fleet
    assert fleet.api is not None
    await publish_some(fleet, 3)
    assert await fleet.wait_until_complete(timeout_s=60) >= 0
    flowing, cut = fleet.vehicles[0], fleet.vehicles[1]
    # A source that is running is left alone (on a busy machine a link may drop by itself: the
    # check is made once HQ has heard from the vehicle lately).
    await until_running(fleet, flowing.vehicle_id)
    assert await resume(fleet.api, {flowing.vehicle_id: 0}) == []

    before = await shards.shard_infos(fleet.api)
    cut.proxy.cut()
    await publish_some(fleet, 3)
    # nats-server's own retry of the source (every 10 s while it is stalled) counts as hearing
    # from it: a resume just after one finds it fresh, and the next stall is waited for.
    for _ in range(3):
        await until_stalled(fleet, cut.vehicle_id)
        # The running vehicle asked too: only the stalled one is set up again.
        if await resume_once_settled(fleet, {cut.vehicle_id: 0, flowing.vehicle_id: 0}):
            break
    else:
        raise AssertionError(f"{cut.vehicle_id}'s stalled source was never set up again")
    after = await shards.shard_infos(fleet.api)
    assert list(after) == list(before) == ["EV_00"]
    # The shard's sources are the same, the one set up again last.
    sources = [source["external"]["api"] for source in after["EV_00"]["config"]["sources"]]
    assert sources[-1] == f"$JS.{cut.vehicle_id}.API"
    assert sorted(after["EV_00"]["config"]["sources"], key=str) == sorted(
        before["EV_00"]["config"]["sources"], key=str
    )
    cut.proxy.restore()
    await publish_some(fleet, 3)

    assert await fleet.wait_until_complete(timeout_s=60) >= 0
    results = by_vehicle(
        arrivals(await fleet.hq_messages()), {sim.vehicle_id: sim.stored for sim in fleet.vehicles}
    )
    assert {vid: (r.lost, r.duplicated, r.is_in_order) for vid, r in results.items()} == {
        sim.vehicle_id: (0, 0, True) for sim in fleet.vehicles
    }
    assert all(len(result.seqs) == 9 for result in results.values())
    # A read of HQ left short returns what it read (the check counts the rest missing).
    assert len(await fleet._stream_messages("EV_00", 28, timeout_s=0.5)) == 27


async def test_the_resumer_notices_a_vehicle_linked_again_and_nothing_is_lost(
    quiet_fleet: SimFleet,
) -> None:
    fleet = quiet_fleet
    assert fleet.api is not None
    system = await fleet.hq.connect_system()
    # Every node's LEAFZ asked for, as the nodes see them.
    leafz: list[str] = []
    watcher = await fleet.hq.connect_system()

    async def count(msg: Msg) -> None:
        leafz.append(msg.subject)

    await watcher.subscribe("$SYS.REQ.SERVER.*.LEAFZ", cb=count)
    await watcher.flush()
    resumer = Resumer(system, fleet.api)
    stop = asyncio.Event()
    watching = asyncio.create_task(resumer.run(stop))
    try:
        await asyncio.wait_for(resumer.looked.wait(), timeout=30)
        await watcher.flush()
        at_start = len(leafz)
        cut = fleet.vehicles[2]
        # Its source running after the resumer's first look (which may set it up again).
        await until_running(fleet, cut.vehicle_id)
        cut.proxy.cut()
        await publish_some(fleet, 2)
        await until_stalled(fleet, cut.vehicle_id)
        noticed = len(resumer.noticed)
        cut.proxy.restore()
        for _ in range(300):
            if cut.vehicle_id in list(resumer.noticed)[noticed:]:
                break
            await asyncio.sleep(0.1)
        # The cut vehicle is noticed (another's link may also drop by itself on a busy machine).
        assert cut.vehicle_id in list(resumer.noticed)[noticed:]
        # Noticed from the node's connect event alone: no node asked for its leaf links.
        await watcher.flush()
        assert leafz[at_start:] == []
        assert await fleet.wait_until_complete(timeout_s=60) >= 0
    finally:
        stop.set()
        await watching
        await system.close()
        await watcher.close()
    results = by_vehicle(
        arrivals(await fleet.hq_messages()), {sim.vehicle_id: sim.stored for sim in fleet.vehicles}
    )
    assert {vid: (r.lost, r.duplicated) for vid, r in results.items()} == {
        sim.vehicle_id: (0, 0) for sim in fleet.vehicles
    }
