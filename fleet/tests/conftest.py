from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from actkit_fleet.sim.fleet import SimFleet


@pytest_asyncio.fixture
async def fleet(tmp_path: Path) -> AsyncIterator[SimFleet]:
    """A 3-node HQ and 3 light vehicles, each linked through its own proxy; all stopped after.

    Two events shards: two vehicles share one, the third has the other (each vehicle's source
    added by the resumer as it first linked, to the shard with the fewest).
    """
    async with SimFleet(tmp_path, count=3, shards=2) as fleet:
        yield fleet
