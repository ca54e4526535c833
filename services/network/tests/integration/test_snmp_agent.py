import asyncio
import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
from pysnmp.carrier.asyncio.dgram import udp
from pysnmp.entity import config, engine
from pysnmp.entity.rfc3413 import ntfrcv
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    get_cmd,
    usmAesCfb128Protocol,
    usmHMACSHAAuthProtocol,
)

from actkit_core.lifecycle import report_each
from actkit_network.adapters.snmp import PysnmpAgent
from actkit_network.domain.snmp import Trap
from actkit_network.handlers.announce import report_authentication_failure, send_trap
from actkit_network.handlers.deps import Deps
from actkit_proto.network import SnmpSettings, SnmpVersion

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"


@pytest_asyncio.fixture
async def agent() -> AsyncIterator[PysnmpAgent]:
    served = PysnmpAgent(host="127.0.0.1", port=0, sys_descr="AXIS W401 Body Worn Activation Kit")
    yield served
    served.close()


async def _get(port: int, auth: CommunityData | UsmUserData, *oids: str) -> dict[str, str]:
    client = SnmpEngine()
    try:
        error, status, _index, bindings = await get_cmd(
            client,
            auth,
            await UdpTransportTarget.create(("127.0.0.1", port), timeout=0.5, retries=1),
            ContextData(),
            *(ObjectType(ObjectIdentity(oid)) for oid in oids),
        )
    finally:
        client.close_dispatcher()
    if error or status:
        raise ConnectionError(str(error or status))
    return {str(name): str(value) for name, value in bindings}


async def test_the_read_community_reads_sysdescr_and_sysname(agent: PysnmpAgent) -> None:
    await agent.apply(SnmpSettings(is_enabled=True, read_community="fleet"), None, "car-12")
    assert agent.port is not None
    for model in (0, 1):  # v1 and v2c
        answer = await _get(agent.port, CommunityData("fleet", mpModel=model), SYS_DESCR, SYS_NAME)
        assert answer == {SYS_DESCR: "AXIS W401 Body Worn Activation Kit", SYS_NAME: "car-12"}


async def test_a_wrong_community_gets_no_answer(agent: PysnmpAgent) -> None:
    await agent.apply(SnmpSettings(is_enabled=True), None, "car-12")
    assert agent.port is not None
    with pytest.raises(ConnectionError, match="No SNMP response"):
        await _get(agent.port, CommunityData("guess", mpModel=1), SYS_NAME)


async def test_v3_answers_the_initial_account_with_its_password(agent: PysnmpAgent) -> None:
    settings = SnmpSettings(is_enabled=True, version=SnmpVersion.V3)
    await agent.apply(settings, "initial-secret", "car-12")
    assert agent.port is not None
    user = UsmUserData(
        "initial",
        "initial-secret",
        "initial-secret",
        authProtocol=usmHMACSHAAuthProtocol,
        privProtocol=usmAesCfb128Protocol,
    )
    assert await _get(agent.port, user, SYS_NAME) == {SYS_NAME: "car-12"}
    with pytest.raises(ConnectionError):
        await _get(agent.port, CommunityData("public", mpModel=1), SYS_NAME)


async def test_snmp_off_answers_nothing(agent: PysnmpAgent) -> None:
    await agent.apply(SnmpSettings(is_enabled=True), None, "car-12")
    port = agent.port
    assert port is not None
    await agent.apply(SnmpSettings(is_enabled=False), None, "car-12")
    with pytest.raises(ConnectionError):
        await _get(port, CommunityData("public", mpModel=1), SYS_NAME)


@dataclass
class TrapReceiver:
    port: int
    received: list[dict[str, str]]
    arrived: asyncio.Event


@pytest_asyncio.fixture
async def trap_receiver() -> AsyncIterator[TrapReceiver]:
    """A management server on a free port that accepts v2c traps with community fleet-traps."""
    receiver = engine.SnmpEngine()
    transport = udp.UdpTransport().open_server_mode(("127.0.0.1", 0))
    config.add_transport(receiver, udp.DOMAIN_NAME, transport)
    config.add_v1_system(receiver, "traps", "fleet-traps")
    await transport._lport  # the socket is bound once the endpoint exists
    got = TrapReceiver(transport.transport.get_extra_info("sockname")[1], [], asyncio.Event())

    def collect(*args: object) -> None:
        bindings = args[-2]
        got.received.append({str(name): str(value) for name, value in bindings})  # type: ignore[attr-defined]
        got.arrived.set()

    ntfrcv.NotificationReceiver(receiver, collect)
    yield got
    receiver.close_dispatcher()


TRAPPING = SnmpSettings(
    is_enabled=True, are_traps_enabled=True, trap_address="127.0.0.1", trap_community="fleet-traps"
)
SNMP_TRAP_OID = "1.3.6.1.6.3.1.1.4.1.0"


async def test_a_link_down_trap_reaches_the_management_server(trap_receiver: TrapReceiver) -> None:
    sender = PysnmpAgent(host="127.0.0.1", port=0, trap_port=trap_receiver.port)
    try:
        await sender.apply(TRAPPING, None, "car-12")
        await sender.send_trap(Trap.LINK_DOWN, interface="lo")
        await asyncio.wait_for(trap_receiver.arrived.wait(), 5)
    finally:
        sender.close()
    [trap] = trap_receiver.received
    assert trap[SNMP_TRAP_OID] == "1.3.6.1.6.3.1.1.5.3"  # linkDown
    assert trap["1.3.6.1.2.1.2.2.1.1.1"] == "1"  # ifIndex of lo


async def _serve_with(deps: Deps, agent: PysnmpAgent, snmp: SnmpSettings) -> asyncio.Task[None]:
    """The agent in the service as main.py wires it: failures reported through the handlers."""
    served = dataclasses.replace(deps, snmp=agent)
    await served.store.save(snmp)
    await agent.apply(snmp, None, "car-12")
    failures = agent.authentication_failures()
    return asyncio.create_task(report_each(failures, report_authentication_failure, served))


async def test_a_wrong_community_sends_the_authentication_failed_trap(
    deps: Deps, trap_receiver: TrapReceiver
) -> None:
    agent = PysnmpAgent(host="127.0.0.1", port=0, trap_port=trap_receiver.port)
    watch = await _serve_with(deps, agent, TRAPPING)
    try:
        assert agent.port is not None
        assert await _get(agent.port, CommunityData("public", mpModel=1), SYS_NAME)
        with pytest.raises(ConnectionError):
            await _get(agent.port, CommunityData("guess", mpModel=1), SYS_NAME)
        await asyncio.wait_for(trap_receiver.arrived.wait(), 5)
    finally:
        watch.cancel()
        agent.close()
    # One trap per refused request (the client asked twice), none for the right community.
    assert trap_receiver.received
    assert {trap[SNMP_TRAP_OID] for trap in trap_receiver.received} == {"1.3.6.1.6.3.1.1.5.5"}


async def test_no_authentication_failed_trap_when_it_is_not_chosen(
    deps: Deps, trap_receiver: TrapReceiver
) -> None:
    agent = PysnmpAgent(host="127.0.0.1", port=0, trap_port=trap_receiver.port)
    without = TRAPPING.model_copy(
        update={"traps": TRAPPING.traps.model_copy(update={"authentication_failed": False})}
    )
    watch = await _serve_with(deps, agent, without)
    try:
        assert agent.port is not None
        with pytest.raises(ConnectionError):
            await _get(agent.port, CommunityData("guess", mpModel=1), SYS_NAME)
        # A trap that is due is sent at once; link down proves the path works meanwhile.
        await send_trap(dataclasses.replace(deps, snmp=agent), Trap.LINK_DOWN)
        await asyncio.wait_for(trap_receiver.arrived.wait(), 5)
    finally:
        watch.cancel()
        agent.close()
    assert [trap[SNMP_TRAP_OID] for trap in trap_receiver.received] == ["1.3.6.1.6.3.1.1.5.3"]
