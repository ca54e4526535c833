"""Real nats-servers on loopback: the HQ cluster and light vehicles, for the simulation and tests.

Every server is a child process started by :class:`~actkit_core.natsserver.NatsServer` on free
ports, in a folder of its own, and stopped by its PID.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nats
from nats.aio.client import Client

from actkit_core.natsserver import NatsServer
from actkit_core.process import stop_with_parent
from actkit_core.testing.stack import free_port_range
from actkit_fleet import leafconf, provision, registry
from actkit_fleet.hqconf import (
    HQ_USER,
    SYS_USER,
    HqNode,
    LeafTls,
    password_variable,
    render_node,
)
from actkit_fleet.jetstream import FleetError, JetStreamApi
from actkit_fleet.leafconf import LeafLink
from actkit_fleet.vehicle import prepare

VEHICLE_USER = "car"
"""The user of a light vehicle's own clients (its publisher)."""
VEHICLE_GO_ENV = {"GOMEMLIMIT": "12MiB", "GOMAXPROCS": "1"}
"""The Go runtime of a light vehicle's nats-server: a soft memory limit its heap is collected and
returned near, and one thread running Go code at a time (a vehicle's server has little to do at
once; with two, the collector's marking took every idle moment of the second one). Measured on
10 vehicles at 0.5 events/s, PSS mean / max and CPU of a core: 14 MiB 8.5 / 9.9 MiB, 0.34 %;
12 MiB 7.5 / 8.3 MiB, 1.19 %; 12 MiB and one thread 7.6 / 8.5 MiB, 0.29 % (``fleet/README.md``)."""


API_TIMEOUT_S = 15.0
"""How long the simulation's requests to HQ's JetStream wait for an answer."""
FIRST_ASK_S = 0.5
"""How long the first ask of :func:`until_jetstream` waits."""
ASK_PAUSE_S = 0.2
"""The pause of :func:`until_jetstream` between a failed ask and the next."""


def new_password() -> str:
    """A password for the servers of one run (letters and digits, a letter first)."""
    return "k" + secrets.token_hex(16)


async def until_jetstream(
    client: Client, timeout_s: float = 30.0, ask_timeout_s: float = API_TIMEOUT_S
) -> JetStreamApi:
    """HQ's JetStream API (:data:`API_TIMEOUT_S` a request) once the cluster has a meta leader.

    Asked every :data:`ASK_PAUSE_S`, the first ask waiting :data:`FIRST_ASK_S`, each one after a
    failed one twice as long, up to ``ask_timeout_s``: an ask put before the election of a
    cluster just started waits its whole timeout (with 15 s every simulated HQ took 16 s to
    start), and a loaded machine may take seconds to answer.

    Raises:
        FleetError: HQ's JetStream did not answer within ``timeout_s``.
    """
    ask_s = min(FIRST_ASK_S, ask_timeout_s)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            await JetStreamApi(client, timeout_s=ask_s).call("INFO")
            return JetStreamApi(client, timeout_s=API_TIMEOUT_S)
        except FleetError:
            if time.monotonic() > deadline:
                raise
            ask_s = min(2 * ask_s, ask_timeout_s)
            await asyncio.sleep(ASK_PAUSE_S)


def free_ports(count: int) -> list[int]:
    """``count`` consecutive TCP ports free on loopback now.

    Below the kernel's ports for outgoing connections, which the simulation's many clients would
    otherwise take first.
    """
    base = free_port_range(count)
    return list(range(base, base + count))


async def _expected(error: Exception) -> None:
    """Connection errors are what the simulation causes: the clients reconnect by themselves."""


def _pids(servers: list[NatsServer]) -> list[int]:
    return [s.process.pid for s in servers if s.process is not None and s.process.poll() is None]


@dataclass
class HqCluster:
    """The HQ cluster's nodes, their shared configuration folder and the ``hq`` user's password."""

    folder: Path
    nodes: list[HqNode]
    password: str = field(default_factory=new_password)
    sys_password: str = field(default_factory=new_password)
    servers: dict[str, NatsServer] = field(default_factory=dict)
    tls: LeafTls | None = None
    """mTLS on the leaf ports."""
    resumer: subprocess.Popen[bytes] | None = None
    """``actkit-fleet resume``, beside the nodes."""

    @classmethod
    def plan(cls, folder: Path, size: int = 3) -> HqCluster:
        """Nodes ``hq1``… on free loopback ports."""
        ports = iter(free_ports(4 * size))
        nodes = [
            HqNode(f"hq{n}", "127.0.0.1", next(ports), next(ports), next(ports), next(ports))
            for n in range(1, size + 1)
        ]
        return cls(folder, nodes)

    @property
    def conf_dir(self) -> Path:
        """Where the node configurations, the users file and the register are."""
        return self.folder / "conf"

    @property
    def client_urls(self) -> list[str]:
        """HQ applications' addresses, every node."""
        return [node.client_url for node in self.nodes]

    async def start(self) -> None:
        """Write the configurations and start every node at once (their routes meet)."""
        registry.save(self.conf_dir, registry.load(self.conf_dir))
        env = {
            password_variable(HQ_USER): self.password,
            password_variable(SYS_USER): self.sys_password,
        }
        for node in self.nodes:
            config = self.conf_dir / f"{node.name}.conf"
            config.write_text(render_node(node, self.nodes, None, "127.0.0.1", self.tls))
            server = NatsServer(self.folder / node.name, node.client_port, config=config, env=env)
            self.servers[node.name] = server
        await asyncio.gather(*(server.start_async(20.0) for server in self.servers.values()))

    def pids(self) -> list[int]:
        """The running nodes' PIDs."""
        return _pids(list(self.servers.values()))

    def helper_pids(self) -> list[int]:
        """The running resumer's PID (HQ's CPU is the nodes' and its)."""
        is_running = self.resumer is not None and self.resumer.poll() is None
        return [self.resumer.pid] if self.resumer is not None and is_running else []

    def resumed(self) -> int:
        """How many times the resumer set a vehicle's source up again."""
        log = self.folder / "resume.log"
        return log.read_text().count("set up again") if log.exists() else 0

    def first_links(self) -> int:
        """How many vehicles' sources the resumer added at their first link."""
        log = self.folder / "resume.log"
        return log.read_text().count(", its source in ") if log.exists() else 0

    def start_resumer(self) -> None:
        """Start ``actkit-fleet resume`` (log: ``resume.log``); :meth:`stop` stops it."""
        env = {
            **os.environ,
            password_variable(HQ_USER): self.password,
            password_variable(SYS_USER): self.sys_password,
        }
        command = "from actkit_fleet.main import run; run()"
        with (self.folder / "resume.log").open("ab") as sink:
            self.resumer = subprocess.Popen(
                [sys.executable, "-c", command, "resume", "--server", ",".join(self.client_urls)],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=stop_with_parent,
            )

    def kill(self, name: str) -> None:
        """SIGKILL one node, as a crash would."""
        process = self.servers[name].process
        assert process is not None
        process.kill()
        process.wait()

    def stop(self) -> None:
        """Stop the resumer and every node by their PIDs."""
        if self.resumer is not None and self.resumer.poll() is None:
            self.resumer.terminate()
            try:
                self.resumer.wait(5.0)
            except subprocess.TimeoutExpired:
                self.resumer.kill()
                self.resumer.wait()
        for server in self.servers.values():
            server.stop()

    async def connect(self) -> Client:
        """A client of the fleet account as HQ's applications connect."""
        return await nats.connect(
            servers=self.client_urls,
            user=HQ_USER,
            password=self.password,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.2,
            error_cb=_expected,
        )

    async def connect_system(self) -> Client:
        """A client of HQ's system account (to close a revoked vehicle's links)."""
        return await nats.connect(
            servers=self.client_urls, user=SYS_USER, password=self.sys_password, error_cb=_expected
        )

    async def revoke(self, api: JetStreamApi, vehicle_id: str) -> int:
        """Revoke a vehicle, closing its links; how many were open."""
        system = await self.connect_system()
        try:
            return await provision.revoke(api, self.conf_dir, vehicle_id, self.pids(), system)
        finally:
            await system.close()

    async def register(self, api: JetStreamApi, vehicle_ids: list[str]) -> dict[str, str]:
        """Register vehicles; their seeds."""
        files = await provision.register(
            api, self.conf_dir, vehicle_ids, self.folder / "credentials", self.pids()
        )
        return {vid: path.read_text().strip() for vid, path in files.items()}


VEHICLE_CONF = """# A light vehicle: its services' account (one user) and the link to HQ.
accounts {{
  ACTKIT {{
    jetstream: enabled
    users: [{{user: {user}, password: {password}}}]
    {account_include}
  }}
}}
{server_include}
{ping}"""


@dataclass
class LightVehicle:
    """A vehicle's nats-server alone (no actkit services), linked to HQ by its own remote."""

    folder: Path
    vehicle_id: str
    port: int
    password: str = field(default_factory=new_password)
    niceness: int = 0
    """Added to its server's scheduling niceness: below HQ's, as on a board of its own."""
    ping: str = ""
    """Its link's ping interval (a nats-server duration), set after the link's own (5 s)."""
    server: NatsServer | None = None

    @property
    def url(self) -> str:
        """Its clients' address."""
        return f"nats://127.0.0.1:{self.port}"

    def write(self, link: LeafLink) -> None:
        """Its configuration, link included (small JetStream limits: 200 of them share a host)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        server_include, account_include = leafconf.includes()
        (self.folder / "nats-server.conf").write_text(
            VEHICLE_CONF.format(
                user=VEHICLE_USER,
                password=self.password,
                account_include=account_include,
                server_include=server_include,
                ping=f'ping_interval: "{self.ping}"\n' if self.ping else "",
            )
        )
        leafconf.write_link(self.folder, link)

    async def start(self) -> None:
        """Start its server (again, after a kill: same port, configuration and store)."""
        if self.server is None:
            self.server = NatsServer(
                self.folder / "data",
                self.port,
                config=self.folder / "nats-server.conf",
                env=VEHICLE_GO_ENV,
                niceness=self.niceness,
            )
        await self.server.start_async(20.0)

    def kill(self) -> None:
        """SIGKILL its server, as a power cut would."""
        assert self.server is not None and self.server.process is not None
        self.server.process.kill()
        self.server.process.wait()

    def stop(self) -> None:
        """Stop its server by its PID."""
        if self.server is not None:
            self.server.stop()

    @property
    def pid(self) -> int:
        """Its server's PID."""
        assert self.server is not None and self.server.process is not None
        return self.server.process.pid

    async def connect(self) -> Client:
        """A client of its services' account, reconnecting without limit."""
        return await nats.connect(
            servers=[self.url],
            user=VEHICLE_USER,
            password=self.password,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.1,
            error_cb=_expected,
        )

    async def prepare(self, client: Client) -> None:
        """Its events and commands streams and HQ's consumer of its events."""
        await prepare(JetStreamApi(client), self.vehicle_id)


def light_vehicles(
    folder: Path, count: int, first: int = 1, niceness: int = 0, ping: str = ""
) -> Iterator[LightVehicle]:
    """``count`` light vehicles ``v0001``… on free ports, their servers at ``niceness``."""
    for number, port in enumerate(free_ports(count), start=first):
        vehicle_id = f"v{number:04d}"
        yield LightVehicle(folder / vehicle_id, vehicle_id, port, niceness=niceness, ping=ping)
