"""The ``axis`` library (what Home Assistant uses) against the stack: set up, Digest, ports."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import ssl
from collections.abc import Callable
from urllib.parse import urlsplit

import axis.rtsp
import httpx
import pytest
import websockets
from axis.device import AxisDevice
from axis.interfaces.mqtt import mqtt_json_to_event
from axis.models.configuration import Configuration
from axis.models.event import Event, EventOperation, EventTopic
from axis.models.mqtt import ClientConfig, ClientState, Message, Server
from axis.rtsp import Signal

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.mosquitto import Mosquitto, MqttPeer
from actkit_core.testing.stack import Stack
from actkit_proto.accounts import ListAccessFailures
from actkit_proto.io import Circuit, DriveInput
from actkit_proto.system import GetIdentity

pytestmark = pytest.mark.timeout(120)

FIRST_ADMINISTRATOR = "action=add&user=root&pwd=pass-w0rd&grp=root&sgrp=admin:operator:viewer"


async def test_actkit_run_prints_the_dashboard_url(stack: Stack) -> None:
    assert any(stack.https_url in line for line in stack.log), "".join(stack.log)


async def test_axis_library_sets_up_reads_the_device_and_toggles_the_relay(stack: Stack) -> None:
    async with httpx.AsyncClient(verify=False, timeout=15) as http:
        created = await http.post(
            stack.https_url + "axis-cgi/pwdgrp.cgi",
            content=FIRST_ADMINISTRATOR,
            headers={"Content-Type": "text/plain"},
        )
        assert created.status_code == 200, created.text
        again = await http.post(
            stack.https_url + "axis-cgi/pwdgrp.cgi",
            content=FIRST_ADMINISTRATOR.replace("root", "intruder"),
            headers={"Content-Type": "text/plain"},
        )
        assert again.status_code == 401

        device = _device(http, stack)
        await device.vapix.initialize()
        async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
            identity = await bus.request(GetIdentity())
        assert device.vapix.serial_number == identity.serial_number
        assert device.vapix.product_number == "W401"
        assert device.vapix.firmware_version
        ports = device.vapix.ports
        assert ports["0"].direction == "input"
        assert ports["8"].direction == "output"
        assert ports["8"].name == "Relay"

        await ports.close("8")  # Home Assistant's switch "on"
        relay = await http.get(
            stack.https_url + "api/v1/ports/9", auth=httpx.DigestAuth("root", "pass-w0rd")
        )
        assert relay.json()["is_active"] is True
        await ports.open("8")
        relay = await http.get(
            stack.https_url + "api/v1/ports/9", auth=httpx.DigestAuth("root", "pass-w0rd")
        )
        assert relay.json()["is_active"] is False


async def test_wrong_credentials_get_no_device_data(stack: Stack) -> None:
    async with httpx.AsyncClient(verify=False) as http:
        await http.post(
            stack.https_url + "axis-cgi/pwdgrp.cgi",
            content=FIRST_ADMINISTRATOR,
            headers={"Content-Type": "text/plain"},
        )
        response = await http.post(
            stack.https_url + "axis-cgi/basicdeviceinfo.cgi",
            json={"apiVersion": "1.1", "method": "getAllProperties"},
            auth=httpx.DigestAuth("root", "wrong"),
        )
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Digest ")


async def test_axis_event_stream_initializes_every_port_and_reports_changes(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The library always dials 554; this stack's stream listens on a free port instead.
    monkeypatch.setattr(axis.rtsp, "RTSP_PORT", stack.rtsp_port)
    events: list[Event] = []
    playing = asyncio.Event()
    async with httpx.AsyncClient(verify=False, timeout=15) as http:
        await http.post(
            stack.https_url + "axis-cgi/pwdgrp.cgi",
            content=FIRST_ADMINISTRATOR,
            headers={"Content-Type": "text/plain"},
        )
        device = _device(http, stack)
        await device.vapix.initialize()
        device.event.subscribe(events.append)
        device.stream.connection_status_callback.append(
            lambda signal: playing.set() if signal == Signal.PLAYING else None
        )
        device.enable_events()
        device.stream.start()
        try:
            await asyncio.wait_for(playing.wait(), 20)
            await eventually(lambda: len(events) >= 9, timeout_s=20)
            initialized = {(e.topic_base, e.id) for e in events}
            assert (EventTopic.PORT_INPUT, "0") in initialized
            assert (EventTopic.RELAY, "8") in initialized
            assert all(e.operation == EventOperation.INITIALIZED for e in events)
            assert all(e.id in device.vapix.ports for e in events)

            await device.vapix.ports.close("8")
            await eventually(
                lambda: any(
                    e.operation == EventOperation.CHANGED and e.id == "8" and e.is_tripped
                    for e in events
                ),
                timeout_s=20,
            )
        finally:
            device.stream.stop()


async def test_axis_library_configures_and_activates_the_mqtt_client(
    stack: Stack, mosquitto: Mosquitto, mqtt_peer: MqttPeer
) -> None:
    async with httpx.AsyncClient(verify=False, timeout=15) as http:
        await http.post(
            stack.https_url + "axis-cgi/pwdgrp.cgi",
            content=FIRST_ADMINISTRATOR,
            headers={"Content-Type": "text/plain"},
        )
        device = _device(http, stack)
        await device.vapix.initialize()
        mqtt = device.vapix.mqtt
        assert mqtt.supported  # listed in API discovery: Home Assistant asks its status
        await mqtt.configure_client(
            ClientConfig(
                Server(host=mosquitto.host, port=mosquitto.tcp_port),
                client_id="w401-test",
                last_will_testament=Message(use_default=True),
            )
        )
        status = await mqtt.get_client_status()
        assert status.status.state == ClientState.INACTIVE
        assert status.config.server.host == mosquitto.host
        assert status.config.client_id == "w401-test"
        # Home Assistant subscribes below this prefix (axis 60 cannot set it: it never sends it).
        prefix = f"axis/{device.vapix.serial_number}"
        assert status.config.device_topic_prefix == prefix
        assert status.config.last_will_testament is not None
        assert status.config.password is None

        await mqtt.configure_event_publication(["onvif:Device/axis:IO/Port"])
        publication = await mqtt.get_event_publication_config()
        assert [f.topic_filter for f in publication.event_filter_list or []] == [
            "onvif:Device/axis:IO/Port"
        ]

        mqtt_peer.subscribe("#")
        await mqtt.activate()

        async def connected() -> bool:
            status = await mqtt.get_client_status()
            return status.status.active and status.status.connected

        await eventually(connected, timeout_s=20, interval_s=0.1)
        async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
            identity = await bus.request(GetIdentity())
            # One identity: the prefix Home Assistant is told is the one the client publishes under.
            assert prefix == f"axis/{identity.serial_number}"
            await eventually(
                lambda: any(m.topic.startswith(f"{prefix}/") for m in mqtt_peer.messages),
                timeout_s=20,
            )
            assert all(m.topic.startswith(f"{prefix}/") for m in mqtt_peer.messages)

            # As Home Assistant does, once the client is active: subscribe below the prefix on
            # the broker, hand every message but the connection ones to the library's parser.
            home_assistant = MqttPeer(mosquitto)
            events: list[Event] = []
            device.event.subscribe(events.append)
            try:
                home_assistant.subscribe(f"{prefix}/#")
                seen = 0

                def parsed(condition: Callable[[], bool]) -> Callable[[], bool]:
                    def check() -> bool:
                        nonlocal seen
                        for message in home_assistant.messages[seen:]:
                            if not message.topic.endswith("event/connection"):
                                device.event.handler(mqtt_json_to_event(bytes(message.payload)))
                        seen = len(home_assistant.messages)
                        return condition()

                    return check

                def initialized(topic: EventTopic) -> list[Event]:
                    return [
                        e
                        for e in events
                        if e.topic_base is topic and e.operation is EventOperation.INITIALIZED
                    ]

                # The retained states reach the late subscriber: one input, one relay at least.
                await eventually(
                    parsed(
                        lambda: (
                            bool(initialized(EventTopic.PORT_INPUT))
                            and bool(initialized(EventTopic.RELAY))
                        )
                    ),
                    timeout_s=20,
                )
                inputs = {e.id: e for e in initialized(EventTopic.PORT_INPUT)}
                relays = {e.id: e for e in initialized(EventTopic.RELAY)}
                # Ids are getPorts' 0-based ids (Home Assistant names entities ports[id]).
                assert set(inputs) | set(relays) <= set(device.vapix.ports.keys())
                assert not set(inputs) & set(relays)  # an output is a relay, never an input
                assert inputs["0"].state == "0" and inputs["0"].is_tripped is False
                relay = next(iter(relays.values()))
                assert relay.state in ("active", "inactive") and relay.source == "RelayToken"

                await bus.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))

                def input_0_on() -> bool:
                    return any(
                        e.topic_base is EventTopic.PORT_INPUT
                        and e.id == "0"
                        and e.operation is EventOperation.CHANGED
                        and e.is_tripped
                        for e in events
                    )

                await eventually(parsed(input_0_on), timeout_s=20)
            finally:
                home_assistant.stop()

        await mqtt.deactivate()
        status = await mqtt.get_client_status()
        assert status.status.state == ClientState.INACTIVE


def _device(http: httpx.AsyncClient, stack: Stack) -> AxisDevice:
    return AxisDevice(
        Configuration(
            http,
            "localhost",
            port=urlsplit(stack.https_url).port or 443,
            username="root",
            password="pass-w0rd",
            web_proto="https",
        )
    )


async def test_websocket_event_stream_sends_every_port_then_changes(stack: Stack) -> None:
    tls = ssl.create_default_context(cafile=stack.data_dir / "web-certificate.pem")
    auth = httpx.DigestAuth("root", "pass-w0rd")
    async with httpx.AsyncClient(verify=tls, timeout=15) as http:
        await http.post(
            stack.https_url + "axis-cgi/pwdgrp.cgi",
            content=FIRST_ADMINISTRATOR,
            headers={"Content-Type": "text/plain"},
        )
        token = (await http.get(stack.https_url + "axis-cgi/wssession.cgi", auth=auth)).text
        url = stack.https_url.replace("https", "wss") + "vapix/ws-data-stream"
        async with websockets.connect(f"{url}?sources=events&wssession={token}", ssl=tls) as ws:
            await ws.send(
                json.dumps(
                    {
                        "apiVersion": "1.0",
                        "context": "axis-py",
                        "method": "events:configure",
                        "params": {"eventFilterList": [{"topicFilter": "//."}]},
                    }
                )
            )
            reply = json.loads(await ws.recv())
            assert reply["method"] == "events:configure"
            assert "error" not in reply
            first = [json.loads(await ws.recv())["params"]["notification"] for _ in range(9)]
            assert first[0]["topic"] == "tns1:Device/tnsaxis:IO/Port"
            assert first[0]["message"]["source"] == {"port": "0"}
            assert first[8]["message"] == {
                "source": {"RelayToken": "8"},
                "key": {},
                "data": {"LogicalState": "inactive"},
            }
            await http.put(
                stack.https_url + "api/v1/ports/9/state", json={"is_active": True}, auth=auth
            )
            changed = json.loads(await asyncio.wait_for(ws.recv(), 10))["params"]["notification"]
            assert changed["message"]["data"] == {"LogicalState": "active"}
        # A token works once.
        with pytest.raises(websockets.InvalidStatus):
            async with websockets.connect(f"{url}?wssession={token}", ssl=tls) as ws:
                await ws.recv()


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


async def _rtsp(port: int, method: str, url: str, *headers: str) -> str:
    """One RTSP request on its own connection; the answer's head and body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        lines = "".join(f"{header}\r\n" for header in headers)
        writer.write(f"{method} {url} RTSP/1.0\r\nCSeq: 1\r\n{lines}\r\n".encode())
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        length = re.search(r"Content-Length: (\d+)", head)
        body = await reader.readexactly(int(length.group(1))) if length else b""
        return head + body.decode()
    finally:
        writer.close()


async def test_rtsp_event_stream_takes_digest_md5_with_qop_auth(stack: Stack) -> None:
    async with httpx.AsyncClient(verify=False, timeout=15) as http:
        await http.post(
            stack.https_url + "axis-cgi/pwdgrp.cgi",
            content=FIRST_ADMINISTRATOR,
            headers={"Content-Type": "text/plain"},
        )
    url = f"rtsp://127.0.0.1:{stack.rtsp_port}/axis-media/media.amp?video=0&audio=0&event=on"
    refused = await _rtsp(stack.rtsp_port, "DESCRIBE", url)
    assert refused.startswith("RTSP/1.0 401 Unauthorized")
    offered = re.search(r"WWW-Authenticate: Digest (.*)\r\n", refused)
    assert offered is not None, refused
    fields = dict(re.findall(r'(\w+)="?([^",]*)"?', offered.group(1)))
    assert (fields["algorithm"], fields["qop"], fields["stale"]) == ("MD5", "auth", "FALSE")

    def answer(password: str, nc: int) -> str:
        ha1 = _md5(f"root:{fields['realm']}:{password}")
        response = _md5(f"{ha1}:{fields['nonce']}:{nc:08x}:c0ffee:auth:{_md5('DESCRIBE:' + url)}")
        return (
            f'Authorization: Digest username="root", realm="{fields["realm"]}", '
            f'nonce="{fields["nonce"]}", uri="{url}", algorithm=MD5, qop=auth, nc={nc:08x}, '
            f'cnonce="c0ffee", response="{response}", opaque="{fields["opaque"]}"'
        )

    described = await _rtsp(stack.rtsp_port, "DESCRIBE", url, answer("pass-w0rd", 1))
    assert described.startswith("RTSP/1.0 200 OK"), described
    assert "m=application" in described
    # The nonce stays good with a rising count, as VAPIX clients use it; a replay is refused.
    again = await _rtsp(stack.rtsp_port, "DESCRIBE", url, answer("pass-w0rd", 2))
    assert again.startswith("RTSP/1.0 200 OK"), again
    replayed = await _rtsp(stack.rtsp_port, "DESCRIBE", url, answer("pass-w0rd", 2))
    assert replayed.startswith("RTSP/1.0 401 Unauthorized")
    wrong = await _rtsp(stack.rtsp_port, "DESCRIBE", url, answer("wrong", 3))
    assert wrong.startswith("RTSP/1.0 401 Unauthorized")


async def test_a_digest_client_is_refused_at_once_when_its_password_changes_or_account_goes(
    stack: Stack,
) -> None:
    # A Digest client keeps its nonce and counts up: after accounts' first check, the web checks
    # the next answers itself (the nonce handed over); a change in accounts must still count.
    toggle = stack.https_url + "axis-cgi/io/port.cgi?action=9:%5C"
    users = stack.https_url + "axis-cgi/pwdgrp.cgi"
    plain = {"Content-Type": "text/plain"}
    admin = httpx.DigestAuth("root", "pass-w0rd")
    async with httpx.AsyncClient(verify=False, timeout=15) as http:
        await http.post(users, content=FIRST_ADMINISTRATOR, headers=plain)
        added = await http.post(
            users,
            content="action=add&user=op&pwd=op-pass-w0rd&grp=users&sgrp=operator:viewer",
            headers=plain,
            auth=admin,
        )
        assert added.status_code == 200, added.text
        operator = httpx.DigestAuth("op", "op-pass-w0rd")
        for _ in range(3):
            assert (await http.get(toggle, auth=operator)).status_code == 200
        changed = await http.post(
            users, content="action=update&user=op&pwd=new-pass-w0rd", headers=plain, auth=admin
        )
        assert changed.status_code == 200, changed.text
        assert (await http.get(toggle, auth=operator)).status_code == 401
        renewed = httpx.DigestAuth("op", "new-pass-w0rd")
        for _ in range(2):
            assert (await http.get(toggle, auth=renewed)).status_code == 200
        removed = await http.post(users, content="action=remove&user=op", headers=plain, auth=admin)
        assert removed.status_code == 200, removed.text
        assert (await http.get(toggle, auth=renewed)).status_code == 401
        assert (await http.get(toggle, auth=admin)).status_code == 200


async def test_a_replayed_count_on_a_nonce_the_web_holds_is_counted_by_accounts(
    stack: Stack,
) -> None:
    # After accounts' first check the web checks a client's answers on the nonce itself; a
    # replayed count with a guessed password must still reach accounts' failure count.
    target = "/axis-cgi/io/port.cgi?action=9:%5C"
    async with httpx.AsyncClient(verify=False, timeout=15) as http:
        await http.post(
            stack.https_url + "axis-cgi/pwdgrp.cgi",
            content=FIRST_ADMINISTRATOR,
            headers={"Content-Type": "text/plain"},
        )
        url = stack.https_url.rstrip("/") + target
        refused = await http.get(url)
        offered = refused.headers.get_list("www-authenticate")[0].removeprefix("Digest ")
        fields = dict(re.findall(r'(\w+)="?([^",]*)"?', offered))

        def answer(password: str, nc: int) -> dict[str, str]:
            ha1 = _md5(f"root:{fields['realm']}:{password}")
            response = _md5(f"{ha1}:{fields['nonce']}:{nc:08x}:c0ffee:auth:{_md5('GET:' + target)}")
            return {
                "Authorization": f'Digest username="root", realm="{fields["realm"]}", '
                f'nonce="{fields["nonce"]}", uri="{target}", algorithm=MD5, qop=auth, '
                f'nc={nc:08x}, cnonce="c0ffee", response="{response}", opaque="{fields["opaque"]}"'
            }

        for nc in (1, 2):  # accounts checks the first and hands the nonce over; the web the next
            assert (await http.get(url, headers=answer("pass-w0rd", nc))).status_code == 200
        replayed = await http.get(url, headers=answer("guess", 2))
        assert replayed.status_code == 401
        assert "wrong user name or password" in replayed.text
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        failures = (await bus.request(ListAccessFailures())).entries
    assert [(failure.name, failure.page) for failure in failures] == [
        ("root", "/axis-cgi/io/port.cgi")
    ]
