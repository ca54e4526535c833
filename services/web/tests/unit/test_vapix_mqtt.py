from typing import Any

import httpx
import pytest

from actkit_proto.mqtt import (
    ClientStatus,
    ConnectionState,
    DeviceEventKind,
    MessageSpec,
    Publication,
    RetainPolicy,
    Transport,
)
from actkit_web.vapix.mqtt_events import kinds_of_filter

from ..conftest import basic
from ..fake_mqtt import FakeMqtt

ADMIN = basic("admin")
CALL = {"apiVersion": "1.0", "context": "Axis library"}
CLIENT = "/axis-cgi/mqtt/client.cgi"
EVENT = "/axis-cgi/mqtt/event.cgi"
SERVER = {"host": "broker.example", "protocol": "ssl", "port": 8883}


async def _call(
    client: httpx.AsyncClient, path: str, method: str, params: object = None, **auth: str
) -> httpx.Response:
    body: dict[str, Any] = {**CALL, "method": method}
    if params is not None:
        body["params"] = params
    return await client.post(path, json=body, headers=auth or ADMIN)


async def test_client_status_has_what_home_assistant_reads_and_no_password(
    client: httpx.AsyncClient, mqtt: FakeMqtt
) -> None:
    mqtt.settings = mqtt.settings.model_copy(
        update={"is_enabled": True, "host": "192.0.2.10", "username": "cam", "has_password": True}
    )
    mqtt.status = ClientStatus(state=ConnectionState.CONNECTED, broker="tcp://192.0.2.10:1883")
    response = await _call(client, CLIENT, "getClientStatus")
    body = response.json()
    assert body["method"] == "getClientStatus"
    assert body["apiVersion"] == "1.0"
    data = body["data"]
    assert data["status"] == {"state": "active", "connectionStatus": "connected"}
    assert data["config"]["server"] == {"host": "192.0.2.10", "port": 1883, "protocol": "tcp"}
    assert data["config"]["deviceTopicPrefix"] == "axis/ACCC8E012345"
    assert data["config"]["ssl"] == {"validateServerCert": True}
    assert "password" not in data["config"]
    assert "connectMessage" not in data["config"]


async def test_a_client_that_is_connecting_reads_disconnected(
    client: httpx.AsyncClient, mqtt: FakeMqtt
) -> None:
    mqtt.status = ClientStatus(state=ConnectionState.CONNECTING)
    data = (await _call(client, CLIENT, "getClientStatus")).json()["data"]
    assert data["status"] == {"state": "inactive", "connectionStatus": "disconnected"}


async def test_configure_client_translates_to_the_mqtt_settings(
    client: httpx.AsyncClient, mqtt: FakeMqtt
) -> None:
    response = await _call(
        client,
        CLIENT,
        "configureClient",
        {
            "server": {**SERVER, "alpnProtocol": "mqtt"},
            "username": "cam",
            "password": "s3cret",
            "clientId": "w401-a",
            "keepAliveInterval": 30,
            "connectTimeout": 10,
            "cleanSession": False,
            "autoReconnect": False,
            "deviceTopicPrefix": "site/w401",
            "ssl": {"validateServerCert": False},
            "connectMessage": {"useDefault": True},
            "lastWillTestament": {
                "useDefault": False,
                "topic": "site/w401/gone",
                "message": "offline",
                "retain": True,
                "qos": 2,
            },
        },
    )
    assert response.json() == {**CALL, "method": "configureClient", "data": {}}
    settings = mqtt.settings
    assert (settings.host, settings.transport, settings.port) == (
        "broker.example",
        Transport.SSL,
        8883,
    )
    assert settings.alpn_protocol == "mqtt"
    assert (settings.username, mqtt.password, settings.client_id) == ("cam", "s3cret", "w401-a")
    assert (settings.keep_alive_s, settings.connect_timeout_s) == (30, 10)
    assert not settings.clean_session
    assert not settings.reconnects
    assert not settings.verifies_certificate
    assert settings.device_topic_prefix == "site/w401"
    assert settings.connect_message == MessageSpec(is_enabled=True, uses_default=True)
    assert settings.last_will == MessageSpec(
        is_enabled=True, uses_default=False, topic="site/w401/gone", payload="offline", qos=2
    )
    assert not settings.is_enabled, "configuring does not connect; activateClient does"

    # The status shows it back in the VAPIX shape, without the password.
    config = (await _call(client, CLIENT, "getClientStatus")).json()["data"]["config"]
    assert config["server"] == {**SERVER, "alpnProtocol": "mqtt"}
    assert config["lastWillTestament"]["message"] == "offline"
    assert "password" not in config


async def test_configure_client_keeps_the_password_when_asked_or_left_out(
    client: httpx.AsyncClient, mqtt: FakeMqtt
) -> None:
    mqtt.password = "old"
    await _call(client, CLIENT, "configureClient", {"server": SERVER})
    await _call(
        client,
        CLIENT,
        "configureClient",
        {"server": SERVER, "password": "ignored", "keepExistingPassword": True},
    )
    assert mqtt.password == "old"
    assert all(change.password is None for change in mqtt.changes)


async def test_activate_and_deactivate_switch_the_client(
    client: httpx.AsyncClient, mqtt: FakeMqtt
) -> None:
    refused = await _call(client, CLIENT, "activateClient")
    assert refused.status_code == 200
    assert refused.json()["error"] == {
        "code": 2104,
        "message": "host is required to connect: enter the broker's host name",
    }
    await _call(client, CLIENT, "configureClient", {"server": SERVER})
    await _call(client, CLIENT, "activateClient")
    assert mqtt.settings.is_enabled
    await _call(client, CLIENT, "deactivateClient")
    assert not mqtt.settings.is_enabled


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (None, "params must be an object with the client configuration"),
        ({}, "server: Field required"),
        ({"server": {"host": "b", "protocol": "udp"}}, "server.protocol: Input should be"),
        ({"server": SERVER, "color": "red"}, "color: unknown field"),
        ({"server": {**SERVER, "port": 70000}}, "port: Input should be less than or equal"),
        ({"server": SERVER, "keepAliveInterval": 1}, "keepAliveInterval: Input should be"),
        ({"server": SERVER, "keepAliveInterval": "often"}, "keepAliveInterval: Input should be"),
        ({"server": SERVER, "ssl": {}}, "ssl.validateServerCert: Field required"),
        (
            {"server": SERVER, "ssl": {"validateServerCert": True, "CACertID": "ca1"}},
            "ssl.CACertID and ssl.clientCertID are not supported",
        ),
        (
            {"server": SERVER, "disconnectMessage": {"useDefault": True}},
            "disconnectMessage is not supported",
        ),
        ({"server": SERVER, "activateOnReboot": False}, "activateOnReboot false"),
        (
            {"server": SERVER, "connectMessage": {"useDefault": False}},
            "connectMessage.topic is required when connectMessage.useDefault is false",
        ),
        (
            {"server": SERVER, "lastWillTestament": {"useDefault": False, "topic": "t", "qos": 3}},
            "lastWillTestament.qos: Input should be 0, 1 or 2",
        ),
    ],
)
async def test_configure_client_refuses_bad_input_with_a_vapix_error(
    client: httpx.AsyncClient, mqtt: FakeMqtt, params: object, message: str
) -> None:
    response = await _call(client, CLIENT, "configureClient", params)
    assert response.status_code == 200
    error = response.json()["error"]
    assert error["code"] == 2104
    assert error["message"].startswith(message), error["message"]
    assert mqtt.changes == []


async def test_client_cgi_answers_bad_calls_clearly(client: httpx.AsyncClient) -> None:
    unknown = await _call(client, CLIENT, "reboot")
    assert unknown.json()["error"]["code"] == 2004
    assert "getClientStatus" in unknown.json()["error"]["message"]
    not_json = await client.post(CLIENT, content=b"{not json", headers=ADMIN)
    assert not_json.status_code == 400
    assert not_json.text.startswith("# Error: the body is not JSON")
    a_list = await client.post(CLIENT, json=[1, 2], headers=ADMIN)
    assert a_list.status_code == 400
    versions = await client.post(CLIENT, json={"method": "getSupportedVersions"}, headers=ADMIN)
    assert versions.json()["data"] == {"apiVersions": ["1.0"]}


async def test_a_viewer_reads_but_cannot_configure_the_client(
    client: httpx.AsyncClient, mqtt: FakeMqtt
) -> None:
    view = basic("view")
    assert (await _call(client, CLIENT, "getClientStatus", **view)).status_code == 200
    refused = await _call(client, CLIENT, "configureClient", {"server": SERVER}, **view)
    assert refused.status_code == 403
    assert (await _call(client, CLIENT, "activateClient", **view)).status_code == 403
    assert mqtt.changes == []


async def test_event_publication_lists_every_key_and_one_filter_per_kind(
    client: httpx.AsyncClient, mqtt: FakeMqtt
) -> None:
    mqtt.publication = Publication(
        conditions=[DeviceEventKind.PORT, DeviceEventKind.RULE],
        retain=RetainPolicy.PROPERTY,
        qos=1,
        includes_serial=True,
    )
    body = (await _call(client, EVENT, "getEventPublicationConfig")).json()
    assert body["data"]["eventPublicationConfig"] == {
        "topicPrefix": "default",
        "customTopicPrefix": "",
        "appendEventTopic": True,
        "includeTopicNamespaces": True,
        "includeSerialNumberInPayload": True,
        "eventFilterList": [
            {"topicFilter": "onvif:Device/axis:IO/Port", "qos": 1, "retain": "property"},
            {"topicFilter": "onvif:Device/axis:Rule/Active", "qos": 1, "retain": "property"},
        ],
    }


async def test_configure_event_publication_changes_only_what_it_names(
    client: httpx.AsyncClient, mqtt: FakeMqtt
) -> None:
    mqtt.publication = Publication(includes_serial=True)
    response = await _call(
        client,
        EVENT,
        "configureEventPublication",
        {
            "topicPrefix": "custom",
            "customTopicPrefix": "fleet/van7",
            "eventFilterList": [
                {"topicFilter": "tns1:Device/tnsaxis:IO/Port", "qos": 1, "retain": "all"},
                {"topicFilter": "axis:Bluetooth//.", "qos": 1},
            ],
        },
    )
    assert response.json()["data"] == {}
    assert mqtt.publication == Publication(
        conditions=[
            DeviceEventKind.PORT,
            DeviceEventKind.BEACON,
            DeviceEventKind.BEACON_PRESENCE,
        ],
        uses_default_prefix=False,
        custom_prefix="fleet/van7",
        includes_serial=True,
        retain=RetainPolicy.ALL,
        qos=1,
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([], "params must be an object"),
        ({"topicPrefix": "mine"}, "topicPrefix: Input should be 'default' or 'custom'"),
        ({"topicPrefix": "custom"}, "custom topic prefix must not be empty"),
        ({"eventFilterList": [{"topicFilter": "onvif:Media//."}]}, "topicFilter 'onvif:Media//.'"),
        ({"eventFilterList": [{"qos": 1}]}, "eventFilterList.0.topicFilter: Field required"),
        (
            {"eventFilterList": [{"topicFilter": "//.", "retain": "sometimes"}]},
            "eventFilterList.0.retain: Input should be",
        ),
        (
            {
                "eventFilterList": [
                    {"topicFilter": "onvif:Device/axis:IO/Port", "qos": 0},
                    {"topicFilter": "onvif:Device/axis:Rule/Active", "qos": 2},
                ]
            },
            "every eventFilterList item must use the same qos and retain",
        ),
        ({"appendEventTopic": "maybe"}, "appendEventTopic: Input should be a valid boolean"),
    ],
)
async def test_configure_event_publication_refuses_bad_input(
    client: httpx.AsyncClient, mqtt: FakeMqtt, params: object, message: str
) -> None:
    before = mqtt.publication
    response = await _call(client, EVENT, "configureEventPublication", params)
    assert response.status_code == 200
    error = response.json()["error"]
    assert error["code"] == 2104
    assert error["message"].startswith(message), error["message"]
    assert mqtt.publication == before


def test_topic_filters_select_kinds() -> None:
    assert kinds_of_filter("//.") == list(DeviceEventKind)
    assert kinds_of_filter("onvif:Device/axis:IO//.") == [
        DeviceEventKind.PORT,
        DeviceEventKind.TAMPERING,
        DeviceEventKind.MANUAL_TRIGGER,
    ]
    assert kinds_of_filter("onvif:Device/axis:IO/Port//.") == [DeviceEventKind.PORT]
    assert kinds_of_filter("tnsaxis:Bluetooth/Beacon/Presence") == [DeviceEventKind.BEACON_PRESENCE]
