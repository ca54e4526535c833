"""The ``axis`` library (what Home Assistant uses) against the stack: set up, device data, ports
and their events (RTSP, MQTT, WebSocket); Digest itself is in test_web_vapix_digest.py."""

from __future__ import annotations

import asyncio
import json
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
from actkit_proto.io import Circuit, DriveInput
from actkit_proto.system import GetIdentity

from .vapix import FIRST_ADMINISTRATOR, pwdgrp

pytestmark = pytest.mark.timeout(120)


async def test_actkit_run_prints_the_dashboard_url(stack: Stack) -> None:
    assert any(stack.https_url in line for line in stack.log), "".join(stack.log)


async def test_axis_library_sets_up_reads_the_device_and_toggles_the_relay(stack: Stack) -> None:
    async with httpx.AsyncClient(verify=False, timeout=15) as http:
        created = await pwdgrp(http, stack)
        assert created.status_code == 200, created.text
        again = await pwdgrp(http, stack, FIRST_ADMINISTRATOR.replace("root", "intruder"))
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
        await pwdgrp(http, stack)
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
        await pwdgrp(http, stack)
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
        await pwdgrp(http, stack)
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
        await pwdgrp(http, stack)
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
