"""Changes of one shard at the same moment each end in its configuration (its lock at HQ)."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from actkit_fleet import shardlock, shards
from actkit_fleet.jetstream import FleetError, JetStreamApi, source_vehicle, uplink_source
from actkit_fleet.sim.fleet import SimFleet

pytestmark = pytest.mark.timeout(180)

SHARD = "EV_00"
VEHICLES = [f"ACCC8E0000{n:02d}" for n in range(8)]


@pytest_asyncio.fixture
async def hq(tmp_path: Path) -> AsyncIterator[JetStreamApi]:
    """HQ's 3 nodes set up with one events shard and no vehicle; its JetStream API."""
    async with SimFleet(tmp_path, count=0, is_resuming=False, shards=1) as fleet:
        assert fleet.api is not None
        yield fleet.api


async def sourced(api: JetStreamApi) -> set[str | None]:
    info = await api.stream(SHARD)
    assert info is not None
    return {source_vehicle(source) for source in info["config"].get("sources") or []}


async def test_changes_of_one_shard_at_once_all_end_in_its_configuration(
    hq: JetStreamApi,
) -> None:
    # Each read the configuration before the others wrote theirs: without the lock, the last
    # write held only its own vehicle.
    await asyncio.gather(
        *(shards.change_sources(hq, SHARD, "register", adding=[uplink_source(v)]) for v in VEHICLES)
    )
    assert await sourced(hq) == set(VEHICLES)
    # A removal beside additions (revoke beside register, the resumer's two steps).
    await asyncio.gather(
        shards.change_sources(hq, SHARD, "revoke", removing=VEHICLES[:4]),
        shards.change_sources(hq, SHARD, "register", adding=[uplink_source("ACCC8E0000FF")]),
        shards.change_sources(hq, SHARD, "resume", removing=[VEHICLES[4]]),
    )
    assert await sourced(hq) == {*VEHICLES[5:], "ACCC8E0000FF"}
    assert await shardlock.holder(hq, SHARD) is None  # every lock given back


async def test_a_held_shard_is_waited_for_then_refused_naming_its_holder(
    hq: JetStreamApi,
) -> None:
    async with shardlock.held(hq, SHARD, "resume"):
        with pytest.raises(FleetError, match=r"EV_00 is being changed by resume on .* nothing"):
            async with shardlock.held(hq, SHARD, "register", wait_s=1.0):
                raise AssertionError("two holders of one shard")
        # Another shard's lock is another key.
        async with shardlock.held(hq, "EV_01", "register", wait_s=1.0):
            pass
        # A change waiting for the holder goes on once it lets go, nothing lost.
        waiting = asyncio.create_task(
            shards.change_sources(hq, SHARD, "register", adding=[uplink_source(VEHICLES[0])])
        )
    await asyncio.wait_for(waiting, 30.0)
    assert await sourced(hq) == {VEHICLES[0]}

    # A fleet set up before the locks: a change says what to run, and changes nothing.
    await hq.call(f"STREAM.DELETE.{shardlock.LOCKS_STREAM}")
    with pytest.raises(FleetError, match=r"no stream KV_fleet_locks .* run `actkit-fleet setup`"):
        await shards.change_sources(hq, SHARD, "register", adding=[uplink_source(VEHICLES[1])])
    assert await sourced(hq) == {VEHICLES[0]}
