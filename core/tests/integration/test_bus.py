import json
from dataclasses import dataclass
from typing import ClassVar

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_proto import Ack, Actor, Command, Event, Forbidden, Invalid, NotFound, Role
from actkit_proto.errors import BusError, Unavailable
from actkit_proto.io import GetPort, Port, PortChanged, SetPort
from actkit_proto.service import GetServiceStatus


@dataclass
class Deps:
    seen: list[str]


class Explode(Command[Ack]):
    """Test only: a handler that breaks."""

    subject: ClassVar[str] = "io.test.explode"


class Noticed(Event):
    """Test only: an event the service listens to."""

    subject: ClassVar[str] = "io.test.noticed"
    what: str


async def get_port(command: GetPort, deps: Deps) -> Port:
    if command.port_id == 5:
        raise NotFound("there is no port 5")
    return Port(
        port_id=command.port_id,
        name="Door",
        direction="input",
        normal_state="open",
        is_configurable=True,
        is_active=False,
        circuit="open",
    )


async def set_port(command: SetPort, deps: Deps) -> Port:
    deps.seen.append(f"set {command.port_id}")
    return await get_port(GetPort(port_id=command.port_id), deps)


async def explode(_command: Explode, _deps: Deps) -> Ack:
    raise RuntimeError("boom")


async def notice(event: Noticed, deps: Deps) -> None:
    deps.seen.append(event.what)


HANDLERS = {GetPort: get_port, SetPort: set_port, Explode: explode, Noticed: notice}


@pytest.fixture
async def served(nats_server: str) -> Deps:
    deps = Deps(seen=[])
    async with Bus.connect("io", servers=[nats_server]) as service:
        await service.serve(HANDLERS, deps, version="1.2.3", adapter="sim")
        yield deps  # type: ignore[misc]


async def _reachable(bus: Bus) -> None:
    # A first answer shows the server routes to the service (see NO_RESPONDERS_RETRY_S):
    # events, unlike requests, are not asked again.
    await bus.request(GetPort(port_id=1))


async def test_request_gets_the_typed_reply(bus: Bus, served: Deps) -> None:
    port = await bus.request(GetPort(port_id=2))
    assert isinstance(port, Port)
    assert port.name == "Door"


async def test_a_handler_error_comes_back_as_its_type(bus: Bus, served: Deps) -> None:
    with pytest.raises(NotFound, match="there is no port 5"):
        await bus.request(GetPort(port_id=5))


async def test_a_malformed_payload_gets_400_and_the_service_keeps_serving(
    bus: Bus, served: Deps
) -> None:
    await _reachable(bus)
    reply = await bus.client.request("io.port.1.set", b'{"is_active": "perhaps"}', timeout=2)
    assert reply.headers is not None
    assert reply.headers["Nats-Service-Error-Code"] == "400"
    assert "is_active" in reply.headers["Nats-Service-Error"]
    assert (await bus.request(GetPort(port_id=1))).port_id == 1


async def test_a_crashing_handler_gets_500_with_a_pointer_to_the_log(
    bus: Bus, served: Deps
) -> None:
    with pytest.raises(BusError, match="io failed to handle Explode: RuntimeError"):
        await bus.request(Explode())


async def test_an_actor_below_the_required_role_is_forbidden(bus: Bus, served: Deps) -> None:
    viewer = Actor(name="val", role=Role.VIEWER)
    with pytest.raises(Forbidden, match="val is viewer; this needs operator"):
        await bus.request(SetPort(port_id=1, is_active=True, actor=viewer))
    assert served.seen == []
    operator = Actor(name="olle", role=Role.OPERATOR)
    await bus.request(SetPort(port_id=1, is_active=True, actor=operator))
    assert served.seen == ["set 1"]


async def test_nobody_serving_is_unavailable(bus: Bus) -> None:
    with pytest.raises(Unavailable, match=r"nobody answers io\.port\.1\.get: is io running"):
        await bus.request(GetPort(port_id=1))


async def test_events_reach_the_service_handler(bus: Bus, served: Deps) -> None:
    await _reachable(bus)
    await bus.publish(Noticed(what="lightbar"))
    await eventually(lambda: served.seen, timeout_s=1)
    assert served.seen == ["lightbar"]


async def test_a_malformed_event_is_dropped_and_counted(bus: Bus, served: Deps) -> None:
    await _reachable(bus)
    await bus.client.publish("io.test.noticed", b"not json")
    await bus.publish(Noticed(what="after"))
    await eventually(lambda: served.seen, timeout_s=1)
    assert served.seen == ["after"]
    status = await bus.request(GetServiceStatus(service="io"))
    assert (status.handled, status.failed) == (3, 1)


async def test_stateful_events_are_kept_as_the_last_value(bus: Bus) -> None:
    for port_id, is_active in ((1, True), (2, False), (1, False)):
        await bus.publish(
            PortChanged(
                port_id=port_id, direction="input", is_active=is_active, circuit="open", edge_ns=1
            )
        )
    every = await bus.current(PortChanged)
    assert [(e.port_id, e.is_active) for e in every] == [(1, False), (2, False)]
    [one] = await bus.current(PortChanged, port_id="2")
    assert one.port_id == 2
    assert await bus.current(PortChanged, port_id="7") == []


async def _consumers(bus: Bus) -> set[str]:
    reply = await bus.client.request("$JS.API.CONSUMER.NAMES.KV_actkit-state", b"{}", timeout=2)
    return set(json.loads(reply.data)["consumers"] or [])


async def test_a_read_of_kept_states_leaves_no_consumer_behind(bus: Bus) -> None:
    assert await bus.current(PortChanged, port_id="1") == []  # the bucket made
    before = await _consumers(bus)
    assert await bus.current(PortChanged) == []

    async def none_left() -> bool:
        return await _consumers(bus) <= before

    # Deleted by nats-server a second after the read stopped, not five minutes later.
    await eventually(none_left, timeout_s=10)


async def test_every_service_answers_micro_discovery(bus: Bus, served: Deps) -> None:
    await _reachable(bus)
    reply = await bus.client.request("$SRV.PING.io", b"", timeout=2)
    assert json.loads(reply.data)["name"] == "io"
    info = json.loads((await bus.client.request("$SRV.INFO.io", b"", timeout=2)).data)
    assert info["version"] == "1.2.3"
    assert info["metadata"]["adapter"] == "sim"
    assert {e["subject"] for e in info["endpoints"]} >= {"io.port.*.get", "io.service.status"}


async def test_status_counts_what_was_handled(bus: Bus, served: Deps) -> None:
    await bus.request(GetPort(port_id=1))
    with pytest.raises(Invalid):
        await bus.request(GetPort.model_construct(port_id=0))
    status = await bus.request(GetServiceStatus(service="io"))
    assert (status.handled, status.failed) == (2, 1)
    assert status.adapter == "sim"


class Secret(Command[Ack]):
    """Test only: a command meant for the web service alone."""

    subject: ClassVar[str] = "io.test.secret"
    internal_for: ClassVar[tuple[str, ...]] = ("web",)


async def test_an_internal_command_is_never_served_for_a_person(nats_server: str) -> None:
    async def secret(_command: Secret, _deps: Deps) -> Ack:
        return Ack()

    async with (
        Bus.connect("io", servers=[nats_server]) as service,
        Bus.connect("web", servers=[nats_server]) as web,
    ):
        await service.serve({Secret: secret}, Deps(seen=[]), version="1.0.0")
        assert await web.request(Secret()) == Ack()
        admin = Actor(name="root", role=Role.ADMINISTRATOR)
        with pytest.raises(Forbidden, match="for services only"):
            await web.request(Secret(actor=admin))
