import asyncio
from collections.abc import AsyncIterator

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

from actkit_network.adapters.snmp import PysnmpAgent
from actkit_network.domain.snmp import Trap
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


async def test_a_link_down_trap_reaches_the_management_server() -> None:
    received: list[dict[str, str]] = []
    arrived = asyncio.Event()
    receiver = engine.SnmpEngine()
    transport = udp.UdpTransport().open_server_mode(("127.0.0.1", 0))
    config.add_transport(receiver, udp.DOMAIN_NAME, transport)
    config.add_v1_system(receiver, "traps", "fleet-traps")

    def collect(*args: object) -> None:
        bindings = args[-2]
        received.append({str(name): str(value) for name, value in bindings})  # type: ignore[attr-defined]
        arrived.set()

    ntfrcv.NotificationReceiver(receiver, collect)
    await transport._lport  # the socket is bound once the endpoint exists
    trap_port = transport.transport.get_extra_info("sockname")[1]
    sender = PysnmpAgent(host="127.0.0.1", port=0, trap_port=trap_port)
    try:
        settings = SnmpSettings(
            is_enabled=True,
            are_traps_enabled=True,
            trap_address="127.0.0.1",
            trap_community="fleet-traps",
        )
        await sender.apply(settings, None, "car-12")
        await sender.send_trap(Trap.LINK_DOWN, interface="lo")
        await asyncio.wait_for(arrived.wait(), 5)
    finally:
        sender.close()
        receiver.close_dispatcher()
    [trap] = received
    assert trap["1.3.6.1.6.3.1.1.4.1.0"] == "1.3.6.1.6.3.1.1.5.3"  # snmpTrapOID = linkDown
    assert trap["1.3.6.1.2.1.2.2.1.1.1"] == "1"  # ifIndex of lo
