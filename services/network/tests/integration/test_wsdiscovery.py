import asyncio
import socket
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import pytest_asyncio

from actkit_core.testing.stack import free_udp_port
from actkit_network.adapters.wsdiscovery import WSD_GROUP, WsDiscoveryResponder
from actkit_network.domain.discovery import DeviceIdentity, device_udn

IDENTITY = DeviceIdentity(
    friendly_name="Car 12 cabin",
    model_name="AXIS W401",
    serial_number="ACCC8E000001",
    udn=device_udn("AC:CC:8E:00:00:01"),
    address="127.0.0.1",
    http_port=8080,
)
NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "d": "http://schemas.xmlsoap.org/ws/2005/04/discovery",
}

# What an ONVIF client (e.g. a VMS) multicasts; prefixes are the client's own.
PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"
    xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing"
    xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"
    xmlns:dn="http://www.onvif.org/ver10/network/wsdl"
    xmlns:p="http://www.onvif.org/ver10/device/wsdl">
  <e:Header>
    <w:MessageID>{message_id}</w:MessageID>
    <w:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</w:To>
    <w:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</w:Action>
  </e:Header>
  <e:Body><d:Probe>{types}</d:Probe></e:Body>
</e:Envelope>"""


@pytest.fixture
def wsd_port() -> int:
    return free_udp_port()


@pytest_asyncio.fixture
async def responder(wsd_port: int) -> AsyncIterator[WsDiscoveryResponder]:
    served = WsDiscoveryResponder(port=wsd_port)
    yield served
    await served.close()


@pytest.fixture
def client() -> Iterator[socket.socket]:
    """A client socket that multicasts on loopback and receives answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
    sock.setblocking(False)
    yield sock
    sock.close()


@pytest.fixture
def group_listener(wsd_port: int, join_group: Callable[[str, int], socket.socket]) -> socket.socket:
    """A listener on the multicast group, where Hello and Bye go."""
    return join_group(WSD_GROUP, wsd_port)


async def _probe(client: socket.socket, port: int, types: str, timeout_s: float) -> ET.Element:
    message_id = f"urn:uuid:{uuid.uuid4()}"
    probe = PROBE.format(message_id=message_id, types=types).encode()
    loop = asyncio.get_running_loop()
    await loop.sock_sendto(client, probe, (WSD_GROUP, port))
    answer = ET.fromstring(await asyncio.wait_for(loop.sock_recv(client, 65536), timeout_s))
    assert answer.findtext("s:Header/a:RelatesTo", namespaces=NS) == message_id
    return answer


async def _next_on_group(sock: socket.socket, action: str) -> ET.Element:
    loop = asyncio.get_running_loop()
    while True:
        message = ET.fromstring(await asyncio.wait_for(loop.sock_recv(sock, 65536), 5))
        if message.findtext("s:Header/a:Action", namespaces=NS) == f"{NS['d']}/{action}":
            return message


@pytest.mark.parametrize(
    "types",
    [
        "<d:Types>dn:NetworkVideoTransmitter</d:Types>",
        "<d:Types>p:Device</d:Types>",
        "<d:Types>dn:NetworkVideoTransmitter p:Device</d:Types>",
        "",
    ],
)
async def test_a_probe_is_answered_with_the_onvif_device_service(
    responder: WsDiscoveryResponder, client: socket.socket, wsd_port: int, types: str
) -> None:
    await responder.apply(IDENTITY)
    answer = await _probe(client, wsd_port, types, timeout_s=5)
    match = answer.find("s:Body/d:ProbeMatches/d:ProbeMatch", NS)
    assert match is not None
    assert match.findtext("d:XAddrs", namespaces=NS) == "http://127.0.0.1:8080/onvif/device_service"
    assert match.findtext("a:EndpointReference/a:Address", namespaces=NS) == f"urn:{IDENTITY.udn}"
    assert match.findtext("d:Types", namespaces=NS) == "dn:NetworkVideoTransmitter tds:Device"
    scopes = (match.findtext("d:Scopes", namespaces=NS) or "").split()
    assert "onvif://www.onvif.org/name/Car%2012%20cabin" in scopes


async def test_a_probe_for_another_type_gets_no_answer(
    responder: WsDiscoveryResponder, client: socket.socket, wsd_port: int
) -> None:
    await responder.apply(IDENTITY)
    printer = '<d:Types xmlns:x="urn:printers">x:Printer</d:Types>'
    with pytest.raises(TimeoutError):
        await _probe(client, wsd_port, printer, timeout_s=1.5)
    # The responder is still there: a device probe is answered.
    await _probe(client, wsd_port, "<d:Types>p:Device</d:Types>", timeout_s=5)


async def test_hello_on_start_bye_when_off_and_then_silence(
    responder: WsDiscoveryResponder,
    client: socket.socket,
    group_listener: socket.socket,
    wsd_port: int,
) -> None:
    await responder.apply(IDENTITY)
    hello = await _next_on_group(group_listener, "Hello")
    assert hello.findtext("s:Body/d:Hello/d:XAddrs", namespaces=NS) == IDENTITY.onvif_url
    await responder.apply(None)
    bye = await _next_on_group(group_listener, "Bye")
    address = bye.findtext("s:Body/d:Bye/a:EndpointReference/a:Address", namespaces=NS)
    assert address == f"urn:{IDENTITY.udn}"
    with pytest.raises(TimeoutError):
        await _probe(client, wsd_port, "", timeout_s=1.5)
