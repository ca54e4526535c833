"""The board on the vehicle's network, and the link to HQ that nats takes on a reload.

The container ``actkit`` shares the host's network (discovery and the firewall are on the
vehicle's interfaces): here the host is the test's machine. Its services give up root with no
capability but those they need. The network service writes the link to HQ where the board's nats
includes it, and has the system service reload nats through the engine (``system.bus.reload``).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import nats
import psutil
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg

from actkit_core import capabilities
from actkit_core.bus import Bus
from actkit_core.natsconf import FLEET_ACCOUNT_FILE
from actkit_core.testing.eventually import eventually
from actkit_proto.services import SERVICE_NAMES, SERVICES
from actkit_proto.system import ReloadBusServer

from .conftest import Board
from .test_board_stack import service_processes

pytestmark = pytest.mark.timeout(120)  # marked board by its folder
LINK_FOLDER = "/etc/nats/fleet"
PROBE, MAPPED, CONTROL = "board.link.probe", "board.link.mapped", "board.link.control"
MAPPING = f'mappings {{\n  "{PROBE}": "{MAPPED}"\n}}\n'


def test_actkit_shares_the_hosts_network_and_keeps_no_capability_it_does_not_need(
    board: Board,
) -> None:
    if board.is_split:
        pytest.skip("the split layout's containers have networks and users of their own")
    assert board.inspect("actkit", "{{.HostConfig.NetworkMode}}") == "host"
    kept = {
        name: capabilities.mask("CapEff", Path(f"/proc/{pid}/status"))
        for name, (pid, _uid) in service_processes(board).items()
        if name != "system"
    }
    bind, admin = 1 << capabilities.CAP_NET_BIND_SERVICE, 1 << capabilities.CAP_NET_ADMIN
    expected = {name: 0 for name in SERVICE_NAMES if name != "system"}
    assert kept == {**expected, "web": bind, "network": bind | admin}


def test_the_services_metrics_answer_on_the_hosts_loopback_alone(board: Board) -> None:
    # The board's other interfaces face the vehicle's network. The forked layout's services run
    # on the host's network, at the test's ports; the split layout's network service does, the
    # other containers publish theirs on the loopback (both: the ports deploy/prometheus.yml has).
    if board.is_split:
        ports = [info.metrics_port for info in SERVICES]
    else:
        ports = list(range(board.metrics_base, board.metrics_base + len(SERVICE_NAMES)))
    others = [
        address.address
        for addresses in psutil.net_if_addrs().values()
        for address in addresses
        if address.family == socket.AF_INET and not address.address.startswith("127.")
    ]
    assert others  # the engine's bridges' gateways at least
    for port in ports:
        assert httpx.get(f"http://127.0.0.1:{port}/metrics").status_code == 200
        for address in others:
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"http://{address}:{port}/metrics", timeout=2)


def write_link_file(board: Board, text: str) -> None:
    """Write the integrator account's include as the network service does: its user, its call."""
    container = "actkit-network" if board.is_split else "actkit"
    code = (
        "import sys; from pathlib import Path; from actkit_core.natsconf import write_include; "
        f"write_include(Path({LINK_FOLDER!r}) / {FLEET_ACCOUNT_FILE!r}, sys.argv[1])"
    )
    board.docker("exec", "-u", "actkit", container, "python", "-c", code, text)


async def is_mapped(integrator: Client) -> bool:
    """Whether nats maps PROBE onto MAPPED now: CONTROL, sent after PROBE, arrives after it."""
    seen: list[str] = []
    arrived = asyncio.Event()

    async def note(message: Msg) -> None:
        seen.append(message.subject)
        if message.subject == CONTROL:
            arrived.set()

    subscriptions = [await integrator.subscribe(subject, cb=note) for subject in (MAPPED, CONTROL)]
    try:
        await integrator.flush()
        await integrator.publish(PROBE, b"")
        await integrator.publish(CONTROL, b"")
        await asyncio.wait_for(arrived.wait(), 5)
        return MAPPED in seen
    finally:
        for subscription in subscriptions:
            await subscription.unsubscribe()


@pytest.fixture
async def integrator(board: Board) -> AsyncIterator[Client]:
    client = await nats.connect(
        board.nats_url, user="integrator", password=board.password("integrator")
    )
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
def link_file_put_back(board: Board) -> Iterator[None]:
    try:
        yield
    finally:
        write_link_file(board, "")


async def reload_as_network(board: Board) -> None:
    async with Bus.connect(
        "board-test", servers=[board.nats_url], user="network", password=board.password("network")
    ) as bus:
        await bus.request(ReloadBusServer())


async def test_a_link_file_the_network_service_writes_reaches_nats_on_a_reload(
    board: Board, integrator: Client, link_file_put_back: None
) -> None:
    write_link_file(board, MAPPING)
    assert not await is_mapped(integrator)  # written, not yet read
    await reload_as_network(board)
    assert await eventually(lambda: is_mapped(integrator), timeout_s=15)
    write_link_file(board, "")
    await reload_as_network(board)
    assert await eventually(lambda: is_unmapped(integrator), timeout_s=15)


async def is_unmapped(integrator: Client) -> bool:
    return not await is_mapped(integrator)
