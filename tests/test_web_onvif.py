"""ONVIF against the stack, driven by ``onvif-zeep-async`` (the client Home Assistant uses)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import socket
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from onvif import ONVIFCamera
from onvif.util import is_auth_error
from zeep.exceptions import Fault

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.forker import StackForker
from actkit_core.testing.stack import Stack, free_udp_port, running_stack
from actkit_proto.io import Circuit, DriveInput
from actkit_proto.network import HttpSettings, SetHttp
from actkit_proto.system import GetIdentity

pytestmark = pytest.mark.timeout(180)

ADMINISTRATOR = ("root", "pass-w0rd")
FIRST_ADMINISTRATOR = "action=add&user=root&pwd=pass-w0rd&grp=root&sgrp=admin:operator:viewer"
SOAP = "application/soap+xml; charset=utf-8"


async def _add_onvif_accounts(stack: Stack, *accounts: tuple[str, str, str]) -> None:
    async with httpx.AsyncClient(verify=False, timeout=15) as http:
        created = await http.post(
            stack.https_url + "axis-cgi/pwdgrp.cgi",
            content=FIRST_ADMINISTRATOR,
            headers={"Content-Type": "text/plain"},
        )
        assert created.status_code == 200, created.text
        for name, password, role in accounts:
            added = await http.post(
                stack.https_url + "api/v1/onvif/accounts",
                json={"name": name, "password": password, "role": role},
                auth=httpx.DigestAuth(*ADMINISTRATOR),
            )
            assert added.status_code == 201, added.text


@asynccontextmanager
async def _camera(stack: Stack, user: str, password: str) -> AsyncIterator[ONVIFCamera]:
    port = urlsplit(stack.http_url).port
    assert port is not None
    camera = ONVIFCamera("127.0.0.1", port, user, password, no_cache=True)
    try:
        await camera.update_xaddrs()
        yield camera
    finally:
        await camera.close()


async def _port_is_active(stack: Stack, port_id: int) -> bool:
    async with httpx.AsyncClient(verify=False, timeout=15) as http:
        port = await http.get(
            stack.https_url + f"api/v1/ports/{port_id}", auth=httpx.DigestAuth(*ADMINISTRATOR)
        )
        assert port.status_code == 200, port.text
        is_active: bool = port.json()["is_active"]
        return is_active


async def _port_is_idle(stack: Stack, port_id: int) -> bool:
    return not await _port_is_active(stack, port_id)


def _items(messages: Any) -> list[tuple[str, str, str, str]]:
    """(topic, token, value, operation) of each pulled message."""
    items = []
    for message in messages.NotificationMessage:
        body = message.Message._value_1
        items.append(
            (
                message.Topic._value_1,
                body.Source.SimpleItem[0].Value,
                body.Data.SimpleItem[0].Value,
                body.PropertyOperation,
            )
        )
    return items


async def test_an_onvif_client_reads_the_device_switches_the_relay_and_pulls_port_changes(
    stack: Stack,
) -> None:
    await _add_onvif_accounts(stack, ("vms", "Onvif-pass1", "operator"))
    async with (
        _camera(stack, "vms", "Onvif-pass1") as camera,
        Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus,
    ):
        device = await camera.create_devicemgmt_service()
        information = await device.GetDeviceInformation()
        identity = await bus.request(GetIdentity())
        assert information.SerialNumber == identity.serial_number
        assert information.Model == "W401"
        assert information.FirmwareVersion == identity.software_version
        clock = await device.GetSystemDateAndTime()
        assert clock.UTCDateTime.Date.Year == datetime.now(UTC).year
        capabilities = await camera.get_capabilities()
        assert capabilities is not None
        assert capabilities["Events"]["WSPullPointSupport"] is True
        assert capabilities["Device"]["IO"]["RelayOutputs"] >= 1
        interfaces = await device.GetNetworkInterfaces()
        assert interfaces[0].Info.HwAddress == identity.mac_address.lower()

        deviceio = await camera.create_deviceio_service()
        inputs = await deviceio.GetDigitalInputs()
        assert [i.token for i in inputs][:2] == ["0", "1"]
        relays = await device.GetRelayOutputs()
        assert "8" in [relay.token for relay in relays]
        assert await deviceio.GetRelayOutputOptions({"RelayOutputToken": "8"})

        manager = await camera.create_pullpoint_manager(timedelta(minutes=10), lambda: None)
        pull_point = manager.get_service()
        pulled = await pull_point.PullMessages(
            {"MessageLimit": 100, "Timeout": timedelta(seconds=5)}
        )
        initial = _items(pulled)
        assert ("tns1:Device/Trigger/Relay", "8", "inactive", "Initialized") in initial
        assert any(t == "tns1:Device/Trigger/DigitalInput" and k == "0" for t, k, _, _ in initial)

        await device.SetRelayOutputState({"RelayOutputToken": "8", "LogicalState": "active"})
        assert await _port_is_active(stack, 9) is True
        pulled = await pull_point.PullMessages(
            {"MessageLimit": 100, "Timeout": timedelta(seconds=10)}
        )
        assert ("tns1:Device/Trigger/Relay", "8", "active", "Changed") in _items(pulled)

        await bus.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))
        is_active = await _port_is_active(stack, 1)
        pulled = await pull_point.PullMessages(
            {"MessageLimit": 100, "Timeout": timedelta(seconds=10)}
        )
        assert (
            "tns1:Device/Trigger/DigitalInput",
            "0",
            "true" if is_active else "false",
            "Changed",
        ) in _items(pulled)

        events = await camera.create_events_service()
        properties = await events.GetEventProperties()
        assert "Relay" in ET.tostring(properties.TopicSet._value_1[0]).decode()

        await device.SetRelayOutputState({"RelayOutputToken": "8", "LogicalState": "inactive"})
        pulled = await pull_point.PullMessages(
            {"MessageLimit": 100, "Timeout": timedelta(seconds=10)}
        )
        assert ("tns1:Device/Trigger/Relay", "8", "inactive", "Changed") in _items(pulled)
        # Monostable: "active" is a pulse of the delay time, after which the relay is idle again.
        await deviceio.SetRelayOutputSettings(
            {
                "RelayOutput": {
                    "token": "8",
                    "Properties": {"Mode": "Monostable", "DelayTime": "PT1S", "IdleState": "open"},
                }
            }
        )
        relays = await device.GetRelayOutputs()
        assert [r.Properties.Mode for r in relays if r.token == "8"] == ["Monostable"]
        await device.SetRelayOutputState({"RelayOutputToken": "8", "LogicalState": "active"})
        pulsed = await pull_point.PullMessages(
            {"MessageLimit": 100, "Timeout": timedelta(seconds=10)}
        )
        assert ("tns1:Device/Trigger/Relay", "8", "active", "Changed") in _items(pulsed)
        await eventually(lambda: _port_is_idle(stack, 9))
        pulsed = await pull_point.PullMessages(
            {"MessageLimit": 100, "Timeout": timedelta(seconds=10)}
        )
        assert ("tns1:Device/Trigger/Relay", "8", "inactive", "Changed") in _items(pulsed)

        subscription = await camera.create_subscription_service("PullPointSubscription")
        renewed = await subscription.Renew("PT120S")
        assert timedelta(seconds=100) < renewed.TerminationTime - renewed.CurrentTime
        await subscription.Unsubscribe()
        with pytest.raises(Fault):
            await pull_point.PullMessages({"MessageLimit": 1, "Timeout": timedelta(seconds=1)})
        assert await _port_is_active(stack, 9) is False


async def test_a_monostable_pulse_on_an_active_relay_returns_it_to_idle_after_the_delay(
    stack: Stack,
) -> None:
    await _add_onvif_accounts(stack, ("vms", "Onvif-pass1", "operator"))
    async with _camera(stack, "vms", "Onvif-pass1") as camera:
        device = await camera.create_devicemgmt_service()
        deviceio = await camera.create_deviceio_service()
        manager = await camera.create_pullpoint_manager(timedelta(minutes=10), lambda: None)
        pull_point = manager.get_service()
        await pull_point.PullMessages({"MessageLimit": 100, "Timeout": timedelta(seconds=5)})
        relay = {"RelayOutputToken": "8", "LogicalState": "active"}

        async def pulled() -> list[tuple[str, str, str, str]]:
            messages = await pull_point.PullMessages(
                {"MessageLimit": 100, "Timeout": timedelta(seconds=10)}
            )
            return [item for item in _items(messages) if item[0] == "tns1:Device/Trigger/Relay"]

        # Active in bistable mode, then monostable: "active" again changes nothing now (no
        # message) but must bring the relay back to idle after the delay, as ONVIF says.
        await device.SetRelayOutputState(relay)
        assert await pulled() == [("tns1:Device/Trigger/Relay", "8", "active", "Changed")]
        monostable = {"Mode": "Monostable", "DelayTime": "PT1S", "IdleState": "open"}
        await deviceio.SetRelayOutputSettings(
            {"RelayOutput": {"token": "8", "Properties": monostable}}
        )
        await device.SetRelayOutputState(relay)
        assert await pulled() == [("tns1:Device/Trigger/Relay", "8", "inactive", "Changed")]
        assert await _port_is_active(stack, 9) is False

        # A pulse while a pulse runs: one "active", then one "inactive" after the later delay.
        await device.SetRelayOutputState(relay)
        await device.SetRelayOutputState(relay)
        assert await pulled() == [("tns1:Device/Trigger/Relay", "8", "active", "Changed")]
        assert await pulled() == [("tns1:Device/Trigger/Relay", "8", "inactive", "Changed")]


PROBE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
    'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" '
    'xmlns:dp0="http://www.onvif.org/ver10/network/wsdl"><s:Header>'
    "<a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>"
    "<a:MessageID>{message_id}</a:MessageID>"
    "<a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>"
    "<s:Body><d:Probe><d:Types>dp0:NetworkVideoTransmitter</d:Types></d:Probe></s:Body>"
    "</s:Envelope>"
)
WSD = {
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "d": "http://schemas.xmlsoap.org/ws/2005/04/discovery",
    "s": "http://www.w3.org/2003/05/soap-envelope",
}


@pytest.fixture
def discoverable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forker: StackForker
) -> Iterator[tuple[Stack, int]]:
    """The stack with network's WS-Discovery answering for real on loopback, and its UDP port."""
    port = free_udp_port()
    monkeypatch.setenv("ACTKIT_NETWORK_IS_SIM_WS_DISCOVERY_REAL", "true")
    monkeypatch.setenv("ACTKIT_NETWORK_DISCOVERY_ADDRESS", "127.0.0.1")
    monkeypatch.setenv("ACTKIT_NETWORK_WS_DISCOVERY_PORT", str(port))
    with running_stack(tmp_path / "var", forker=forker) as stack:
        yield stack, port


async def _probe(port: int) -> ET.Element:
    """Probe as Home Assistant's WS-Discovery does, sent to the device; its ProbeMatches."""
    message_id = f"urn:uuid:{uuid.uuid4()}"
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.bind(("127.0.0.1", 0))
        client.setblocking(False)
        for _ in range(20):
            await loop.sock_sendto(
                client, PROBE.format(message_id=message_id).encode(), ("127.0.0.1", port)
            )
            try:
                answer = await asyncio.wait_for(loop.sock_recv(client, 65536), 1)
            except TimeoutError:
                message_id = f"urn:uuid:{uuid.uuid4()}"  # not announced yet: a new Probe
                continue
            match = ET.fromstring(answer)
            assert match.findtext("s:Header/a:RelatesTo", namespaces=WSD) == message_id
            return match
    raise AssertionError("no ProbeMatches")


async def test_a_client_discovers_the_onvif_service_by_ws_discovery_on_both_ports(
    discoverable: tuple[Stack, int],
) -> None:
    stack, wsd_port = discoverable
    await _add_onvif_accounts(stack, ("vms", "Onvif-pass1", "media"))
    http_port, https_port = urlsplit(stack.http_url).port, urlsplit(stack.https_url).port
    assert http_port is not None and https_port is not None
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        # The stack's web keeps the ports it was given; network announces what it stores.
        ports = HttpSettings(http_port=http_port, https_port=https_port)
        await bus.request(SetHttp(settings=ports, confirm=True))

    async def announced() -> list[str] | None:
        match = await _probe(wsd_port)
        xaddrs = match.findtext("s:Body/d:ProbeMatches/d:ProbeMatch/d:XAddrs", namespaces=WSD)
        urls = (xaddrs or "").split()
        return urls if str(http_port) in (xaddrs or "") else None

    xaddrs = await eventually(announced)
    assert xaddrs == [
        f"http://127.0.0.1:{http_port}/onvif/device_service",
        f"https://127.0.0.1:{https_port}/onvif/device_service",
    ]
    found = urlsplit(xaddrs[0])
    assert found.hostname is not None and found.port is not None
    camera = ONVIFCamera(found.hostname, found.port, "vms", "Onvif-pass1", no_cache=True)
    try:
        await camera.update_xaddrs()
        device = await camera.create_devicemgmt_service()
        assert (await device.GetDeviceInformation()).Model == "W401"
        scopes = [scope.ScopeItem for scope in await device.GetScopes()]
        assert "onvif://www.onvif.org/hardware/AXIS%20W401" in scopes
    finally:
        await camera.close()


async def test_wrong_passwords_replays_and_a_media_account_switching_are_refused(
    stack: Stack,
) -> None:
    await _add_onvif_accounts(
        stack, ("vms", "Onvif-pass1", "operator"), ("viewer", "Media-pass1", "media")
    )
    async with _camera(stack, "vms", "wrong-password") as intruder:
        device = await intruder.create_devicemgmt_service()
        assert (await device.GetSystemDateAndTime()).UTCDateTime  # PRE_AUTH: no check
        with pytest.raises(Fault) as refused:
            await device.GetDeviceInformation()
        assert is_auth_error(refused.value)
    async with _camera(stack, "viewer", "Media-pass1") as media:
        device = await media.create_devicemgmt_service()
        assert await device.GetRelayOutputs()
        with pytest.raises(Fault) as refused:
            await device.SetRelayOutputState({"RelayOutputToken": "8", "LogicalState": "active"})
        assert "may not use SetRelayOutputState" in (refused.value.message or "")
    assert await _port_is_active(stack, 9) is False

    port = urlsplit(stack.http_url).port
    signed = _signed_request("vms", "Onvif-pass1", "<tds:GetDeviceInformation/>")
    async with httpx.AsyncClient(timeout=15) as http:
        url = f"http://127.0.0.1:{port}/onvif/device_service"
        first = await http.post(url, content=signed, headers={"Content-Type": SOAP})
        assert first.status_code == 200, first.text
        replayed = await http.post(url, content=signed, headers={"Content-Type": SOAP})
        assert replayed.status_code == 400
        assert b"ter:NotAuthorized" in replayed.content
        assert b"already used" in replayed.content
    async with httpx.AsyncClient(verify=False, timeout=15) as http:
        failures = await http.get(
            stack.https_url + "api/v1/security/access-log",
            auth=httpx.DigestAuth(*ADMINISTRATOR),
        )
    assert failures.status_code == 200, failures.text
    assert "vms" in failures.text


async def test_an_onvif_client_may_authenticate_with_http_digest_instead_of_a_token(
    stack: Stack,
) -> None:
    await _add_onvif_accounts(stack, ("vms", "Onvif-pass1", "operator"))
    port = urlsplit(stack.http_url).port
    url = f"http://127.0.0.1:{port}/onvif/device_service"
    unsigned = (
        b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        b'xmlns:tds="http://www.onvif.org/ver10/device/wsdl">'
        b"<s:Body><tds:GetDeviceInformation/></s:Body></s:Envelope>"
    )
    async with httpx.AsyncClient(timeout=15) as http:
        challenged = await http.post(url, content=unsigned, headers={"Content-Type": SOAP})
        assert challenged.status_code == 401
        assert challenged.headers["www-authenticate"].startswith("Digest realm=")
        assert b"ter:NotAuthorized" in challenged.content
        answered = await http.post(
            url,
            content=unsigned,
            headers={"Content-Type": SOAP},
            auth=httpx.DigestAuth("vms", "Onvif-pass1"),
        )
        assert answered.status_code == 200, answered.text
        assert b"<tds:Model>W401</tds:Model>" in answered.content
        refused = await http.post(
            url,
            content=unsigned,
            headers={"Content-Type": SOAP},
            auth=httpx.DigestAuth("vms", "wrong-password"),
        )
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Digest realm=")
        assert b"ter:NotAuthorized" in refused.content
        assert b"wrong user name or password" in refused.content
    async with httpx.AsyncClient(verify=False, timeout=15) as http:
        failures = await http.get(
            stack.https_url + "api/v1/security/access-log",
            auth=httpx.DigestAuth(*ADMINISTRATOR),
        )
    assert failures.status_code == 200, failures.text
    assert "ONVIF Digest" in failures.text


def _signed_request(user: str, password: str, operation: str) -> bytes:
    nonce = os.urandom(16)
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest())
    return (
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:tds="http://www.onvif.org/ver10/device/wsdl" '
        'xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/'
        'oasis-200401-wss-wssecurity-secext-1.0.xsd" '
        'xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/'
        'oasis-200401-wss-wssecurity-utility-1.0.xsd"><s:Header><wsse:Security>'
        f"<wsse:UsernameToken><wsse:Username>{user}</wsse:Username>"
        '<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/'
        'oasis-200401-wss-username-token-profile-1.0#PasswordDigest">'
        f"{digest.decode()}</wsse:Password>"
        f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce>"
        f"<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>"
        f"</s:Header><s:Body>{operation}</s:Body></s:Envelope>"
    ).encode()


ENTITY_EXPANSION = (
    b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
    b'<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl">&c;'
    b"</GetSystemDateAndTime></s:Body></s:Envelope>"
)
EXTERNAL_DTD = (
    b'<?xml version="1.0"?><!DOCTYPE s SYSTEM "http://127.0.0.1:9/evil.dtd">'
    b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
    b'<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/>'
    b"</s:Body></s:Envelope>"
)


async def _post_ten_megabytes(port: int) -> bytes:
    """What the device answers a 10 MiB SOAP body, of which it is sent the first 64 KiB."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            b"POST /onvif/device_service HTTP/1.1\r\nHost: device\r\n"
            b"Content-Type: application/soap+xml\r\nContent-Length: %d\r\n\r\n<a>" % (10 << 20)
        )
        writer.write(b"x" * (64 << 10))
        await writer.drain()
        return await reader.readline()
    finally:
        writer.close()


async def test_hostile_xml_is_refused_and_the_device_answers_on_over_http_and_https(
    stack: Stack,
) -> None:
    port = urlsplit(stack.http_url).port
    assert port is not None
    url = f"http://127.0.0.1:{port}/onvif/device_service"
    async with httpx.AsyncClient(verify=False, timeout=30) as http:
        for hostile in (ENTITY_EXPANSION, EXTERNAL_DTD):
            refused = await http.post(url, content=hostile, headers={"Content-Type": SOAP})
            assert refused.status_code == 400, refused.text
            assert b"DTD or an entity" in refused.content
        assert (await _post_ten_megabytes(port)).startswith(b"HTTP/1.1 413 ")
        clock = (
            b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
            b'<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/>'
            b"</s:Body></s:Envelope>"
        )
        for base in (f"http://127.0.0.1:{port}/", stack.https_url):
            answered = await http.post(
                base + "onvif/device_service", content=clock, headers={"Content-Type": SOAP}
            )
            assert answered.status_code == 200, answered.text
            assert b"UTCDateTime" in answered.content
        unknown = await http.post(
            url,
            content=clock.replace(b"GetSystemDateAndTime", b"GetDot11Capabilities"),
            headers={"Content-Type": SOAP},
        )
        assert unknown.status_code == 500
        assert b"not implemented" in unknown.content
        # Still answering after the hostile requests.
        again = await http.post(url, content=clock, headers={"Content-Type": SOAP})
        assert again.status_code == 200
