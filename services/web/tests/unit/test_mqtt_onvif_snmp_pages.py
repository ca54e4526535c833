"""The MQTT, ONVIF and SNMP settings on their pages."""

import json
import re

import httpx

from actkit_proto.mqtt import ClientSettings, Transport
from actkit_proto.network import (
    SnmpSettings,
)

from ..conftest import log_in
from ..fake_mqtt import FakeMqtt
from ..fake_settings import FakeSettings


async def test_connecting_mqtt_without_a_broker_says_what_is_missing(
    client: httpx.AsyncClient, mqtt: FakeMqtt
) -> None:
    csrf = await log_in(client)
    response = await client.post("/system/mqtt/connect", data={"csrf_token": csrf})
    assert response.status_code == 400
    assert "host is required to connect: enter the broker&#39;s host name" in response.text
    assert not mqtt.settings.is_enabled


async def test_the_mqtt_client_keeps_its_password_when_the_field_is_left_empty(
    client: httpx.AsyncClient, mqtt: FakeMqtt
) -> None:
    mqtt.settings = ClientSettings(host="broker.example", has_password=True)
    mqtt.password = "broker-secret"
    csrf = await log_in(client)
    response = await client.post(
        "/system/mqtt/client",
        data={
            "host": "broker2.example",
            "transport": "tcp",
            "port": "1883",
            "password": "",
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 303
    assert mqtt.settings.host == "broker2.example"
    assert mqtt.password == "broker-secret"
    page = await client.get("/system/mqtt")
    assert "broker-secret" not in page.text
    connected = await client.post("/system/mqtt/connect", data={"csrf_token": csrf})
    assert connected.status_code == 303
    assert mqtt.settings.is_enabled


async def test_the_mqtt_page_gives_the_browser_each_protocols_default_port(
    client: httpx.AsyncClient, mqtt: FakeMqtt
) -> None:
    csrf = await log_in(client)
    page = await client.get("/system/mqtt")
    found = re.search(
        r'<script type="application/json" id="mqtt-default-ports">(.*?)</script>', page.text
    )
    assert found is not None
    assert json.loads(found[1]) == {"tcp": 1883, "ssl": 8883, "ws": 80, "wss": 443}
    assert '<script src="/static/mqtt_port.js"></script>' in page.text
    assert "MQTT over WebSocket Secure</option>" in page.text
    # An empty port is left out, so the mqtt service gives the new protocol its default.
    response = await client.post(
        "/system/mqtt/client", data={"transport": "wss", "port": "", "csrf_token": csrf}
    )
    assert response.status_code == 303
    assert mqtt.changes[-1].transport is Transport.WSS
    assert mqtt.changes[-1].port is None


async def test_mqtt_subscriptions_are_added_and_removed_from_the_page(
    client: httpx.AsyncClient, owners: FakeSettings
) -> None:
    csrf = await log_in(client)
    await client.post(
        "/system/mqtt/subscriptions",
        data={"filter": "site/+/door", "is_stateful": "true", "qos": "1", "csrf_token": csrf},
    )
    (subscription,) = owners.subscriptions.values()
    assert subscription.spec.is_stateful
    assert subscription.spec.qos == 1
    await client.post(
        f"/system/mqtt/subscriptions/{subscription.subscription_id}/delete",
        data={"csrf_token": csrf},
    )
    assert owners.subscriptions == {}


async def test_a_refused_subscription_comes_back_beside_its_field_with_what_was_typed(
    client: httpx.AsyncClient, owners: FakeSettings
) -> None:
    csrf = await log_in(client)
    typed = {"filter": "site/+/door", "is_stateful": "true", "uses_device_prefix": "true"}
    crafted = await client.post(
        "/system/mqtt/subscriptions", data={**typed, "qos": "7", "csrf_token": csrf}
    )
    assert crafted.status_code == 400 and owners.subscriptions == {}
    assert re.search(
        r'<select id="subscriptions-qos" name="qos">.*</select>\s*<p class="error" '
        r'id="subscriptions-qos-error">Input should be less than or equal to 2</p>',
        crafted.text,
    ), "the sentence right after the QoS it is about"
    assert 'id="subscriptions-filter" name="filter" value="site/+/door"' in crafted.text
    for box in ("is_stateful", "uses_device_prefix"):
        assert f'id="subscriptions-{box}" name="{box}" value="true" checked' in crafted.text
    assert 'id="subscriptions-error"' not in crafted.text, "nothing above the form"

    await client.post("/system/mqtt/subscriptions", data={**typed, "qos": "1", "csrf_token": csrf})
    again = await client.post(
        "/system/mqtt/subscriptions", data={**typed, "qos": "2", "csrf_token": csrf}
    )
    assert again.status_code == 400 and list(owners.subscriptions) == [1]
    assert (
        '<p class="error" id="subscriptions-filter-error">subscription 1 already subscribes to '
        "&#39;site/+/door&#39;</p>"
    ) in again.text
    chosen = (
        r'<select id="subscriptions-qos" name="qos">(<option >[01]</option>)*<option selected>2'
    )
    assert re.search(chosen, again.text), "the QoS as it was chosen"


async def test_a_refused_edit_of_a_subscription_stays_open_in_its_row_as_typed(
    client: httpx.AsyncClient, owners: FakeSettings
) -> None:
    csrf = await log_in(client)
    for topic in ("site/door", "site/window"):
        await client.post("/system/mqtt/subscriptions", data={"filter": topic, "csrf_token": csrf})
    refused = await client.post(
        "/system/mqtt/subscriptions/2",
        data={"filter": "site/door", "qos": "1", "is_stateful": "true", "csrf_token": csrf},
    )
    assert refused.status_code == 400
    assert owners.subscriptions[2].spec.filter == "site/window"
    assert '<details class="edit" id="subscription-2-edit" open>' in refused.text
    assert '<details class="edit" id="subscription-1-edit" >' in refused.text
    assert 'id="subscription-2-filter" name="filter" value="site/door"' in refused.text
    assert 'id="subscription-2-is_stateful" name="is_stateful" value="true" checked' in refused.text
    assert 'id="subscription-2-filter-error">subscription 1 already subscribes' in refused.text


async def test_an_onvif_account_is_added_and_a_second_of_that_name_refused(
    client: httpx.AsyncClient, owners: FakeSettings
) -> None:
    csrf = await log_in(client)
    data = {"name": "vms", "password": "pw", "role": "media", "csrf_token": csrf}
    assert (await client.post("/system/onvif/accounts", data=data)).status_code == 303
    again = await client.post("/system/onvif/accounts", data=data)
    assert again.status_code == 400
    assert 'id="add-name-error">an ONVIF account named &#39;vms&#39; already exists' in again.text
    assert 'id="onvif-name" name="name" value="vms"' in again.text, "the name as it was typed"
    assert '<option value="media" selected>' in again.text
    assert 'value="pw"' not in again.text, "never a password"
    assert list(owners.onvif) == ["vms"]


async def test_the_snmp_v3_password_is_set_once_then_its_field_is_gone(
    client: httpx.AsyncClient, owners: FakeSettings
) -> None:
    csrf = await log_in(client)
    too_short = await client.post(
        "/system/network/snmp-v3-password", data={"password": "short", "csrf_token": csrf}
    )
    assert 'id="snmp-v3-error">password: String should have at least 8' in too_short.text
    await client.post(
        "/system/network/snmp-v3-password", data={"password": "longenough", "csrf_token": csrf}
    )
    assert owners.get(SnmpSettings).has_v3_password
    page = await client.get("/system/network")
    assert 'id="snmp-v3"' not in page.text


async def test_snmp_communities_are_never_shown_and_kept_when_their_fields_are_left_empty(
    client: httpx.AsyncClient, owners: FakeSettings
) -> None:
    communities = {"read_community": "fleet-ro", "write_community": "fleet-rw"}
    owners.stored[SnmpSettings] = SnmpSettings(**communities, trap_community="fleet-trap")
    csrf = await log_in(client)
    page = await client.get("/system/network")
    assert not [word for word in ("fleet-ro", "fleet-rw", "fleet-trap") if word in page.text]
    assert 'name="write_community"' in page.text
    response = await client.post(
        "/system/network/snmp",
        data={
            "is_enabled": "true",
            "version": "v1_v2c",
            "read_community": "",
            "write_community": "",
            "trap_community": "",
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 303
    sent = owners.get(SnmpSettings)  # None asks the owner to keep the stored community
    assert (sent.is_enabled, sent.read_community, sent.write_community) == (True, None, None)
