"""The bus as a security boundary: a real nats-server with the generated configuration, probed as
an integrator, and as a service that reaches past its part."""

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import NoRespondersError
from nats.js.errors import Error as JetStreamError

from actkit_core.bus import Bus
from actkit_core.natsconf import INTEGRATOR_JS_API, password_variable, render
from actkit_core.natsserver import NatsServer
from actkit_core.testing.eventually import eventually
from actkit_proto.accounts import VerifyBasic
from actkit_proto.base import INTEGRATOR, Actor, Role
from actkit_proto.errors import Unavailable
from actkit_proto.io import Circuit, Direction, ListPorts, Port, PortChanged, SetPort
from actkit_proto.services import SERVICE_NAMES

SECRET = "Sesame-4711"
PORT_9 = Port(
    port_id=9,
    name="Output 9",
    direction=Direction.OUTPUT,
    normal_state=Circuit.OPEN,
    is_configurable=True,
    is_active=True,
    circuit=Circuit.CLOSED,
)
CLOSED_1 = PortChanged(
    port_id=1, direction=Direction.INPUT, is_active=True, circuit=Circuit.CLOSED, edge_ns=1
)


@pytest.fixture
def secured_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    config = tmp_path / "nats-server.conf"
    config.write_text(render())
    users = [*SERVICE_NAMES, "cli", "integrator"]
    env = {password_variable(user): f"pw-{user}" for user in users}
    server = NatsServer(store_dir=tmp_path / "nats", config=config, env=env)
    yield server.start()
    server.stop()


async def _errors_of(url: str, user: str, subject: str) -> list[str]:
    errors: list[str] = []

    async def record(exc: Exception) -> None:
        errors.append(str(exc))

    client = await nats.connect(url, user=user, password=f"pw-{user}", error_cb=record)
    await client.publish(subject, b"{}")
    await client.flush()
    await asyncio.sleep(0.05)
    await client.close()
    return errors


async def test_a_service_cannot_publish_on_another_services_subjects(secured_server: str) -> None:
    errors = await _errors_of(secured_server, "io", "events.rule.1.fired")
    assert any("permissions violation" in error.lower() for error in errors)


async def test_a_service_may_publish_its_own_events(secured_server: str) -> None:
    assert await _errors_of(secured_server, "io", "io.port.1.changed") == []


async def test_a_wrong_password_is_refused(secured_server: str) -> None:
    host, port = secured_server.removeprefix("nats://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    await reader.readline()  # INFO
    writer.write(b'CONNECT {"user":"io","pass":"nope","verbose":false}\r\nPING\r\n')
    await writer.drain()
    answer = await reader.readline()
    writer.close()
    await writer.wait_closed()
    assert b"Authorization Violation" in answer


async def test_events_may_command_io_and_read_the_state_bucket(secured_server: str) -> None:
    async with Bus.connect(
        "events", servers=[secured_server], user="events", password="pw-events"
    ) as bus:
        with pytest.raises(Unavailable, match=r"nobody answers io\.ports\.list"):
            await bus.request(ListPorts())
        assert await bus.current(PortChanged) == []


class Probe:
    """One user's raw connection that keeps what it receives and the server's refusals."""

    def __init__(self) -> None:
        self.client: Client
        self.received: list[Msg] = []
        self.refusals: list[str] = []

    async def watch(self, subject: str) -> None:
        async def keep(msg: Msg) -> None:
            self.received.append(msg)

        await self.client.subscribe(subject, cb=keep)
        await self.client.flush()


@asynccontextmanager
async def probe(url: str, user: str) -> AsyncIterator[Probe]:
    found = Probe()

    async def refused(exc: Exception) -> None:
        found.refusals.append(str(exc))

    found.client = await nats.connect(
        url, user=user, password=f"pw-{user}", error_cb=refused, max_reconnect_attempts=0
    )
    try:
        yield found
    finally:
        await found.client.close()


@asynccontextmanager
async def service(url: str, user: str) -> AsyncIterator[Bus]:
    async with Bus.connect(user, servers=[url], user=user, password=f"pw-{user}") as bus:
        yield bus


async def settle(*clients: Client) -> None:
    """Let what was sent arrive: a round trip to the server on every connection, then a moment."""
    for client in clients:
        await client.flush()
    await asyncio.sleep(0.2)


async def test_an_integrator_sees_events_but_no_password_command_or_reply(
    secured_server: str,
) -> None:
    async with AsyncExitStack() as stack:
        integrator = await stack.enter_async_context(probe(secured_server, "integrator"))
        accounts = await stack.enter_async_context(probe(secured_server, "accounts"))
        io = await stack.enter_async_context(service(secured_server, "io"))
        web = await stack.enter_async_context(service(secured_server, "web"))
        await integrator.watch(">")

        async def identity(msg: Msg) -> None:
            await msg.respond(b'{"name": "admin", "role": 3}')

        await accounts.client.subscribe("accounts.auth.basic", cb=identity)
        await accounts.client.flush()
        sign_in = VerifyBasic(name="admin", password=SECRET, client_address="10.0.0.2", page="/")
        assert (await web.request(sign_in)).name == "admin"
        await io.publish(CLOSED_1)
        await settle(integrator.client, accounts.client, io.client, web.client)

        assert [msg.subject for msg in integrator.received] == ["io.port.1.changed"]
        assert all(SECRET.encode() not in msg.data for msg in integrator.received)


async def test_an_integrator_cannot_reach_administrator_sign_in_or_simulator_commands(
    secured_server: str,
) -> None:
    refused = {
        "accounts": (
            "accounts.account.add",
            "accounts.auth.basic",
            "accounts.certificate.web.identity",
        ),
        "io": ("sim.io.port.1.drive",),
    }
    async with AsyncExitStack() as stack:
        integrator = await stack.enter_async_context(probe(secured_server, "integrator"))
        for owner, subjects in refused.items():
            served = await stack.enter_async_context(probe(secured_server, owner))
            for subject in subjects:
                await served.watch(subject)
                with pytest.raises(NoRespondersError):
                    await integrator.client.request(subject, b"{}")
            await settle(served.client)
            assert served.received == []
            assert served.refusals == []


async def test_an_integrator_command_acts_as_at_most_an_operator(secured_server: str) -> None:
    seen: list[Actor | None] = []

    async def set_port(command: SetPort, _deps: None) -> Port:
        seen.append(command.actor)
        return PORT_9

    async with (
        service(secured_server, "io") as io,
        probe(secured_server, "integrator") as integrator,
    ):
        await io.serve({SetPort: set_port}, None, version="1.0.0")
        claims_admin = SetPort(port_id=9, is_active=True, actor=Actor(name="hq", role=Role(3)))
        # nats-server may answer "no responders" for a moment after the serve (Bus.request asks
        # again); refused, the command never reached the handler, so asking again adds nothing.
        await eventually(
            lambda: integrator.client.request("io.port.9.set", claims_admin.to_wire()),
            timeout_s=5,
            ignoring=(NoRespondersError,),
        )
        await integrator.client.request("io.port.9.set", b'{"is_active": true}')
        forged = {"Nats-Request-Info": '{"acc": "ACTKIT"}'}
        await integrator.client.request("io.port.9.set", b'{"is_active": true}', headers=forged)
    operator = Role.OPERATOR
    assert seen == [
        Actor(name="hq", role=operator),
        Actor(name=INTEGRATOR, role=operator),
        Actor(name=INTEGRATOR, role=operator),  # the server replaces what the sender claims
    ]


async def test_an_event_is_published_by_its_owner_only(secured_server: str) -> None:
    async with AsyncExitStack() as stack:
        cli = await stack.enter_async_context(probe(secured_server, "cli"))
        events = await stack.enter_async_context(probe(secured_server, "events"))
        integrator = await stack.enter_async_context(probe(secured_server, "integrator"))
        await cli.watch("io.port.*.changed")
        await events.client.publish("io.port.1.changed", CLOSED_1.to_wire())
        await integrator.client.publish("io.port.1.changed", CLOSED_1.to_wire())
        await settle(events.client, integrator.client, cli.client)
        assert cli.received == []
        assert any("permissions violation for publish" in said for said in events.refusals)


async def test_only_the_owner_subscribes_to_a_command_so_a_missing_owner_is_told_at_once(
    secured_server: str,
) -> None:
    async with probe(secured_server, "events") as watcher, service(secured_server, "web") as web:
        await watcher.watch("ble.>")
        await watcher.watch("io.port.9.set")
        await settle(watcher.client)
        assert len([said for said in watcher.refusals if "subscription" in said]) == 2
        with pytest.raises(Unavailable, match=r"nobody answers io\.port\.9\.set"):
            await web.request(SetPort(port_id=9, is_active=True), timeout_s=30)


async def test_replies_reach_their_requester_only(secured_server: str) -> None:
    async with AsyncExitStack() as stack:
        io = await stack.enter_async_context(service(secured_server, "io"))
        web = await stack.enter_async_context(service(secured_server, "web"))
        events = await stack.enter_async_context(probe(secured_server, "events"))
        await events.watch("_INBOX_web.>")
        await events.watch("_INBOX.>")

        async def set_port(_command: SetPort, _deps: None) -> Port:
            return PORT_9

        await io.serve({SetPort: set_port}, None, version="1.0.0")
        assert (await web.request(SetPort(port_id=9, is_active=True))).is_active
        await settle(events.client)
        assert events.received == []
        assert len([said for said in events.refusals if "subscription" in said]) == 2


async def test_the_state_bucket_is_kept_by_owners_read_by_the_integrator_deleted_by_none(
    secured_server: str,
) -> None:
    async with AsyncExitStack() as stack:
        io = await stack.enter_async_context(service(secured_server, "io"))
        events = await stack.enter_async_context(probe(secured_server, "events"))
        integrator = await stack.enter_async_context(probe(secured_server, "integrator"))
        await io.publish(CLOSED_1)
        assert await io.current(PortChanged, port_id="1") == [CLOSED_1]

        lent = integrator.client.jetstream(prefix=INTEGRATOR_JS_API)
        kept = await (await lent.key_value("actkit-state")).get("io.port.1.changed")
        assert PortChanged.from_wire(kept.key, kept.value or b"") == CLOSED_1

        attempts: list[Callable[[], Awaitable[Any]]] = [
            lambda: lent.delete_key_value("actkit-state"),
            lambda: io.client.jetstream().delete_key_value("actkit-state"),
            lambda: events.client.jetstream(timeout=0.5).publish("$KV.actkit-state.io.x", b"{}"),
        ]
        for attempt in attempts:
            with pytest.raises((JetStreamError, NoRespondersError, nats.errors.TimeoutError)):
                await attempt()
        assert await io.current(PortChanged, port_id="1") == [CLOSED_1]


async def test_an_integrator_finds_the_services(secured_server: str) -> None:
    async with (
        service(secured_server, "io") as io,
        probe(secured_server, "integrator") as integrator,
    ):
        await io.serve({}, None, version="1.2.3")
        inbox = integrator.client.new_inbox()
        await integrator.watch(inbox)
        await integrator.client.publish("$SRV.PING", b"", reply=inbox)
        await settle(integrator.client)
        assert [json.loads(msg.data)["name"] for msg in integrator.received] == ["io"]
