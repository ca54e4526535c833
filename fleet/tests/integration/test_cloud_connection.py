"""The cloud connection set on the device (the network service) links a real vehicle to HQ:
HQ claims it with the key the page shows, and HQ's commands act as an integrator's at most."""

import asyncio
import contextlib
import socket
from pathlib import Path

import nats
import pytest
from nats.aio.msg import Msg

from actkit_core.bus import Bus
from actkit_core.cli.supervisor import credentials
from actkit_core.fleetlink import write_link
from actkit_core.natsconf import password_variable, render
from actkit_core.natsserver import NatsServer
from actkit_core.testing.plugin import running
from actkit_fleet.sim.fleet import SimFleet
from actkit_network.main import serve
from actkit_network.settings import NetworkSettings
from actkit_proto.base import Actor, Role
from actkit_proto.network import (
    ClaimO3c,
    GetHttp,
    GetO3cStatus,
    HttpAccess,
    O3cMode,
    O3cSettings,
    SetHttp,
    SetO3c,
)
from actkit_proto.system import Identity

pytestmark = pytest.mark.timeout(150)
SERIAL = "ACCC8E000042"
IDENTITY = Identity(
    model="AXIS W401",
    product_name="AXIS W401 Body Worn Activation Kit",
    serial_number=SERIAL,
    mac_address="AC:CC:8E:00:00:42",
    software_version="1.0.0",
    build="test",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def written(path: Path, text: str) -> None:
    """Wait for ``text`` in ``path``: network writes the link once its answer has left."""
    for _ in range(50):
        if text in path.read_text():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{text!r} never written in {path.name}")


async def supervise(server: NatsServer, stop: asyncio.Event) -> None:
    """Start nats-server again when it stops, as ``actkit run`` does (a new domain)."""
    while not stop.is_set():
        if server.process is not None and server.process.poll() is not None:
            await server.start_async()
        await asyncio.sleep(0.2)


async def test_the_device_links_itself_hq_claims_it_and_cannot_act_as_an_administrator(
    fleet: SimFleet, tmp_path: Path
) -> None:
    assert fleet.api is not None and fleet.client is not None
    folder = tmp_path / "car"
    passwords = credentials(folder)
    write_link(folder, None)
    (folder / "nats-server.conf").write_text(render(has_fleet_link=True))
    seeds = await fleet.hq.register(fleet.api, [SERIAL])
    server = NatsServer(
        folder / "nats",
        port=free_port(),
        config=folder / "nats-server.conf",
        env={password_variable(user): password for user, password in passwords.items()},
    )
    url = await server.start_async()
    stop = asyncio.Event()
    supervisor = asyncio.create_task(supervise(server, stop))
    cli = await nats.connect(url, user="cli", password=passwords["cli"], max_reconnect_attempts=-1)

    async def tell_identity(msg: Msg) -> None:
        await msg.respond(IDENTITY.to_wire())

    await cli.subscribe("system.identity.get", cb=tell_identity)
    settings = NetworkSettings(
        nats_url=url, nats_user="cli", nats_password=passwords["cli"], data_dir=folder
    )
    hq_url = f"nats-leaf://127.0.0.1:{fleet.hq.nodes[0].leaf_port}"
    try:
        async with (
            running(serve, settings),
            Bus.connect("test", servers=[url], user="cli", password=passwords["cli"]) as bus,
        ):
            status = await bus.request(GetO3cStatus())
            assert status.is_linked is False and status.vehicle_id == SERIAL
            key = status.owner_authentication_key
            assert key is not None
            o3c = O3cSettings(mode=O3cMode.ALWAYS, hq_urls=[hq_url], nkey_seed=seeds[SERIAL])
            stored = await bus.request(SetO3c(settings=o3c))
            assert stored.has_nkey_seed and stored.nkey_seed is None
            await written(folder / "fleet.conf", f"server_name: {SERIAL}")

            async def ask_hq(subject: str, payload: bytes) -> bytes:
                for _ in range(100):  # nats-server restarts once (the new domain), then links
                    with contextlib.suppress(
                        nats.errors.NoRespondersError, nats.errors.TimeoutError
                    ):
                        assert fleet.client is not None
                        reply = await fleet.client.request(subject, payload, timeout=1)
                        return (
                            reply.headers.get("Nats-Service-Error", "").encode()
                            if reply.headers
                            else reply.data
                        )
                    await asyncio.sleep(0.3)
                raise AssertionError(f"HQ never reached {subject}")

            prefix = f"veh.{SERIAL}.cmd"
            wrong = ClaimO3c(owner_authentication_key="WRONG-KEY0-0000-0000")
            refused = await ask_hq(f"{prefix}.{wrong.to_subject()}", wrong.to_wire())
            assert b"not this device's owner authentication key" in refused
            assert (await bus.request(GetO3cStatus())).is_claimed is False

            claim = ClaimO3c(owner_authentication_key=key)
            assert await ask_hq(f"{prefix}.{claim.to_subject()}", claim.to_wire()) == b"{}"
            assert (await bus.request(GetO3cStatus())).is_claimed is True

            # An actor named in the payload does not raise HQ above the integrator's role: the
            # web server's protocols are an administrator's to change.
            http = await bus.request(GetHttp())
            access = HttpAccess.HTTPS if http.access is not HttpAccess.HTTPS else HttpAccess.BOTH
            changed = SetHttp(
                settings=http.model_copy(update={"access": access}),
                confirm=True,
                actor=Actor(name="hq", role=Role.ADMINISTRATOR),
            )
            refused = await ask_hq(f"{prefix}.{changed.to_subject()}", changed.to_wire())
            assert b"only an administrator may change the protocols" in refused
            assert (await bus.request(GetHttp())).access is http.access

            # An administrator's command is not even mapped for HQ: nobody answers it.
            with pytest.raises((nats.errors.NoRespondersError, nats.errors.TimeoutError)):
                await fleet.client.request(f"{prefix}.{SetO3c.subject}", o3c.to_wire(), timeout=1)

            no = await bus.request(SetO3c(settings=o3c.model_copy(update={"mode": O3cMode.NO})))
            assert no.mode is O3cMode.NO
            await written(folder / "fleet.conf", "No link")
    finally:
        stop.set()
        await supervisor
        await cli.close()
        server.stop()
