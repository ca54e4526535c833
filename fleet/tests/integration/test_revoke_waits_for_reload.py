"""Revoke kicks a vehicle's link only once HQ's nodes have taken their users again: a node that
takes its SIGHUP late is waited for (a vehicle kicked before would come straight back)."""

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client

from actkit_core.natsserver import NatsServer
from actkit_fleet import provision

pytestmark = pytest.mark.timeout(60)

CONF = """accounts {
  SYS { users: [{user: sys, password: sys-pw}] }
}
system_account: SYS
"""


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[tuple[NatsServer, Client]]:
    """One HQ node alone and a client of its system account."""
    config = tmp_path / "nats-server.conf"
    config.write_text(CONF)
    server = NatsServer(tmp_path / "nats", config=config)
    url = await server.start_async()
    system = await nats.connect(url, user="sys", password="sys-pw")
    try:
        yield server, system
    finally:
        await system.close()
        server.stop()


async def test_a_node_that_takes_its_reload_late_is_waited_for(
    node: tuple[NatsServer, Client],
) -> None:
    server, system = node
    assert server.process is not None
    pid = server.process.pid
    before = await provision.loaded_at(system)
    assert len(before) == 1
    went_on = asyncio.Event()

    def go_on() -> None:
        os.kill(pid, signal.SIGCONT)
        went_on.set()

    os.kill(pid, signal.SIGSTOP)  # as a loaded machine's: the SIGHUP waits its turn
    try:
        provision.reload_nodes([pid])
        asyncio.get_running_loop().call_later(1.5, go_on)
        assert await provision.until_reloaded(system, before, 1)
        assert went_on.is_set()
    finally:
        os.kill(pid, signal.SIGCONT)
    after = await provision.loaded_at(system, 1)
    assert after.keys() == before.keys() and after != before
