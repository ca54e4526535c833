import asyncio
import socket
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio
from async_upnp_client.aiohttp import AiohttpRequester
from async_upnp_client.client_factory import UpnpFactory
from async_upnp_client.search import async_search
from async_upnp_client.utils import CaseInsensitiveDict

from actkit_core.testing.stack import free_udp_port
from actkit_network.adapters.upnp import DEVICE_TYPE, SSDP_GROUP, SsdpResponder
from actkit_network.domain.discovery import DeviceIdentity, device_udn

IDENTITY = DeviceIdentity(
    friendly_name="Car 12 cabin",
    model_name="AXIS W401",
    serial_number="ACCC8E000001",
    udn=device_udn("AC:CC:8E:00:00:01"),
    address="127.0.0.1",
    http_port=8080,
)


@pytest.fixture
def ssdp_port() -> int:
    return free_udp_port()


@pytest_asyncio.fixture
async def responder(ssdp_port: int) -> AsyncIterator[SsdpResponder]:
    served = SsdpResponder(port=ssdp_port, http_port=0)
    yield served
    await served.close()


@pytest.fixture
def notifications(ssdp_port: int, join_group: Callable[[str, int], socket.socket]) -> socket.socket:
    """A control point listening to NOTIFY on the test's SSDP group and port."""
    return join_group(SSDP_GROUP, ssdp_port)


async def _search(port: int, search_target: str) -> list[CaseInsensitiveDict]:
    answers: list[CaseInsensitiveDict] = []

    async def collect(headers: CaseInsensitiveDict) -> None:
        answers.append(headers)

    await async_search(
        collect,
        timeout=2,
        search_target=search_target,
        source=("127.0.0.1", 0),
        target=(SSDP_GROUP, port),
    )
    return answers


async def _notification(sock: socket.socket, nts: str) -> dict[str, str]:
    """The next NOTIFY with ``nts`` (ssdp:alive or ssdp:byebye), as headers."""
    loop = asyncio.get_running_loop()
    while True:
        data = await asyncio.wait_for(loop.sock_recv(sock, 4096), 5)
        start, *lines = data.decode().split("\r\n")
        headers = dict(line.split(":", 1) for line in lines if ":" in line)
        headers = {name.strip().upper(): value.strip() for name, value in headers.items()}
        if start.startswith("NOTIFY") and headers.get("NTS") == nts:
            return headers


@pytest.mark.parametrize(
    ("search_target", "expected_usn"),
    [
        ("ssdp:all", f"{IDENTITY.udn}::upnp:rootdevice"),
        ("upnp:rootdevice", f"{IDENTITY.udn}::upnp:rootdevice"),
        (IDENTITY.udn, IDENTITY.udn),
        (DEVICE_TYPE, f"{IDENTITY.udn}::{DEVICE_TYPE}"),
    ],
)
async def test_an_m_search_is_answered_with_the_description_location(
    responder: SsdpResponder, ssdp_port: int, search_target: str, expected_usn: str
) -> None:
    await responder.apply(IDENTITY)
    answers = await _search(ssdp_port, search_target)
    assert expected_usn in {answer["USN"] for answer in answers}
    assert {answer["LOCATION"] for answer in answers} == {responder.location}


async def test_a_search_for_another_device_type_is_not_answered(
    responder: SsdpResponder, ssdp_port: int
) -> None:
    await responder.apply(IDENTITY)
    other = "urn:schemas-upnp-org:device:MediaRenderer:1"
    assert await _search(ssdp_port, other) == []


async def test_the_description_parses_with_name_maker_model_serial_and_web_page(
    responder: SsdpResponder,
) -> None:
    await responder.apply(IDENTITY)
    assert responder.location is not None
    device = await UpnpFactory(AiohttpRequester()).async_create_device(responder.location)
    assert device.device_type == DEVICE_TYPE
    assert device.friendly_name == "Car 12 cabin"
    assert device.manufacturer == "Axis Communications AB"
    assert device.model_name == "AXIS W401"
    assert device.serial_number == "ACCC8E000001"
    assert device.udn == IDENTITY.udn
    assert device.presentation_url == "http://127.0.0.1:8080/"


async def test_a_new_name_is_served_after_apply(responder: SsdpResponder) -> None:
    await responder.apply(IDENTITY)
    renamed = DeviceIdentity(**{**IDENTITY.__dict__, "friendly_name": "Car 14"})
    await responder.apply(renamed)
    assert responder.location is not None
    device = await UpnpFactory(AiohttpRequester()).async_create_device(responder.location)
    assert device.friendly_name == "Car 14"


async def test_alive_is_notified_on_start_and_byebye_when_turned_off(
    responder: SsdpResponder, ssdp_port: int, notifications: socket.socket
) -> None:
    await responder.apply(IDENTITY)
    alive = await _notification(notifications, "ssdp:alive")
    assert alive["USN"] == f"{IDENTITY.udn}::upnp:rootdevice"
    assert alive["LOCATION"] == responder.location
    await responder.apply(None)
    byebye = await _notification(notifications, "ssdp:byebye")
    assert byebye["USN"].startswith(IDENTITY.udn)
    assert await _search(ssdp_port, "ssdp:all") == []
