"""The board on the vehicle's network, and the link to HQ that nats takes on a reload or restart.

The container ``actkit`` shares the host's network (discovery and the firewall are on the
vehicle's interfaces): here the host is the test's machine. Its services give up root with no
capability but those they need. The network service writes the link to HQ where the board's nats
includes it, and has the system service reload nats through the engine (``system.bus.reload``),
or restart it for a first link (a new server name and JetStream domain).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import nats
import nkeys
import psutil
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from actkit_core import capabilities
from actkit_core.bus import Bus
from actkit_core.natsconf import FLEET_ACCOUNT_FILE, FLEET_SERVER_FILE
from actkit_core.natsserver import NatsServer
from actkit_core.testing.eventually import eventually
from actkit_core.testing.stack import free_port_range
from actkit_proto import BusError
from actkit_proto.fleet import VEHICLE_EVENTS
from actkit_proto.network import GetO3cStatus, O3cMode, O3cSettings, SetO3c
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


HQ_CONF = """server_name: hq
http: "127.0.0.1:{monitor_port}"
leafnodes {{ listen: "{address}:{leaf_port}" }}
accounts {{
  FLEET {{ users: [ {{ nkey: {vehicle_key} }}, {{ user: hq, password: {password} }} ] }}
}}
"""
"""HQ as far as one vehicle needs it: a leaf listener and the vehicle's nkey user."""


@dataclass(frozen=True)
class Hq:
    """An HQ nats-server on the host, where the board's nats reaches it, and a client of it."""

    leaf_url: str
    monitor_url: str
    seed: str
    """The vehicle's nkey seed, as HQ's registration gives it."""
    client: Client

    async def leaves(self) -> list[str]:
        """The server names of the leaf connections HQ holds (a vehicle's: its id)."""
        async with httpx.AsyncClient() as http:
            leafz = (await http.get(f"{self.monitor_url}/leafz")).json()
        return [str(leaf.get("name")) for leaf in leafz.get("leafs") or []]

    async def vehicle_stream(self, vehicle_id: str) -> str | None:
        """The name the vehicle's JetStream, in its own domain, gives its events stream."""
        subject = f"$JS.{vehicle_id}.API.STREAM.INFO.{VEHICLE_EVENTS}"
        try:
            reply = await self.client.request(subject, b"", timeout=2)
        except (NoRespondersError, NatsTimeout):
            return None
        name = json.loads(reply.data).get("config", {}).get("name")
        return str(name) if name else None


@pytest.fixture
async def hq(board: Board, tmp_path: Path) -> AsyncIterator[Hq]:
    """HQ on the host's address in the stack's network (its gateway): the nats container's leaf
    remote reaches it there."""
    address = board.docker(
        "network", "inspect", "actkit_default", "--format", "{{(index .IPAM.Config 0).Gateway}}"
    )
    seed = nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER)
    vehicle_key = nkeys.from_seed(bytearray(seed)).public_key.decode()
    leaf_port = free_port_range(2)
    monitor_port = leaf_port + 1
    config = tmp_path / "hq.conf"
    config.write_text(
        HQ_CONF.format(
            monitor_port=monitor_port,
            address=address,
            leaf_port=leaf_port,
            vehicle_key=vehicle_key,
            password="hq-test",
        )
    )
    server = NatsServer(tmp_path / "hq", config=config)
    url = await server.start_async()
    client = await nats.connect(url, user="hq", password="hq-test")
    try:
        yield Hq(
            f"nats-leaf://{address}:{leaf_port}",
            f"http://127.0.0.1:{monitor_port}",
            seed.decode(),
            client,
        )
    finally:
        await client.close()
        server.stop()


def nats_started(board: Board) -> str:
    """When the nats container last started: a restart, by the engine or by hand, changes it."""
    return board.inspect("actkit-nats", "{{.State.StartedAt}}")


def nats_link(board: Board) -> str:
    """The link to HQ as the nats container reads it."""
    return board.docker("exec", "actkit-nats", "cat", f"{LINK_FOLDER}/{FLEET_SERVER_FILE}")


@pytest.fixture
async def unlinked_after(board: Board, board_bus: Bus, hq: Hq) -> AsyncIterator[None]:
    """The board without its link to HQ again after the test: nats restarted, every service back."""
    yield
    await eventually(
        lambda: board_bus.request(SetO3c(settings=O3cSettings(mode=O3cMode.NO))),
        timeout_s=30,
        ignoring=(BusError,),
    )

    async def unlinked() -> bool:
        healthy = board.inspect("actkit-nats", "{{.State.Health.Status}}") == "healthy"
        return healthy and "server_name" not in nats_link(board) and not await hq.leaves()

    assert await eventually(unlinked, timeout_s=60, interval_s=0.5)
    status = await eventually(
        lambda: board_bus.request(GetO3cStatus()), timeout_s=30, ignoring=(BusError,)
    )
    assert status.is_linked is False


async def test_a_first_link_to_hq_restarts_nats_by_itself_and_the_vehicle_joins_hq(
    board: Board, board_bus: Bus, hq: Hq, unlinked_after: None
) -> None:
    vehicle = (await board_bus.request(GetO3cStatus())).vehicle_id
    assert vehicle is not None
    started = nats_started(board)
    link = O3cSettings(mode=O3cMode.ALWAYS, hq_urls=[hq.leaf_url], nkey_seed=hq.seed)
    stored = await board_bus.request(SetO3c(settings=link))  # answered before nats restarts
    assert stored.has_nkey_seed is True

    async def joined() -> bool:
        return vehicle in await hq.leaves()

    # A new server name and JetStream domain: the engine restarted nats, nobody by hand.
    assert await eventually(joined, timeout_s=60, interval_s=0.5, ignoring=(httpx.HTTPError,))
    assert nats_started(board) != started
    assert f"server_name: {vehicle}" in nats_link(board)
    # The vehicle's JetStream answers HQ in its own domain: its events stream was made.
    stream = await eventually(lambda: hq.vehicle_stream(vehicle), timeout_s=30, interval_s=0.5)
    assert stream == VEHICLE_EVENTS
    # The services reconnected by themselves.
    status = await eventually(
        lambda: board_bus.request(GetO3cStatus()), timeout_s=30, ignoring=(BusError,)
    )
    assert status.is_linked is True and status.vehicle_id == vehicle
