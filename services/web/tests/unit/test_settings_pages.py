import json
import re
from datetime import UTC, datetime

import httpx

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.mqtt import ClientSettings, Transport
from actkit_proto.network import (
    AddFirewallRule,
    Firewall,
    FirewallRule,
    GetFirewall,
    Ipv4Settings,
    SetWlan,
    SnmpSettings,
    WlanSecurity,
    WlanSettings,
)
from actkit_proto.system import (
    GetTimeSettings,
    Location,
    SetDateTime,
    ShutdownCountdownChanged,
    ShutdownState,
    SyncMode,
    TimeSettings,
)

from ..conftest import basic, log_in
from ..fake_mqtt import FakeMqtt
from ..fake_settings import FakeSettings


async def test_time_page_shows_the_settings_the_status_and_the_manuals_help(
    client: httpx.AsyncClient,
) -> None:
    await log_in(client)
    page = await client.get("/system/time")
    assert page.status_code == 200
    assert 'name="time_zone" value="UTC"' in page.text
    assert "Positive values are north of the equator." in page.text
    assert 'id="time-synchronized">Yes with ntp.example' in page.text


async def test_location_saved_from_the_page_is_read_back(
    client: httpx.AsyncClient, owners: FakeSettings
) -> None:
    csrf = await log_in(client)
    saved = await client.post(
        "/system/time/location",
        data={
            "latitude": "57.7089",
            "longitude": "11.9746",
            "heading": "90",
            "label": "Van 12",
            "format": "decimal_degrees",
            "csrf_token": csrf,
        },
    )
    assert saved.status_code == 303
    assert owners.get(Location) == Location(
        latitude=57.7089, longitude=11.9746, heading=90, label="Van 12"
    )
    page = await client.get("/system/time")
    assert 'name="label" value="Van 12"' in page.text


async def test_a_latitude_beyond_the_pole_is_refused_next_to_the_latitude(
    client: httpx.AsyncClient, owners: FakeSettings
) -> None:
    csrf = await log_in(client)
    response = await client.post(
        "/system/time/location", data={"latitude": "91", "csrf_token": csrf}
    )
    assert response.status_code == 400
    assert 'id="location-latitude-error">Input should be less than or equal to 90' in response.text
    assert 'name="latitude" value="91"' in response.text, "the form keeps what was typed"
    assert owners.get(Location) == Location()


async def test_the_owners_refusal_of_a_time_zone_is_shown_next_to_the_time_zone(
    client: httpx.AsyncClient, owners: FakeSettings
) -> None:
    csrf = await log_in(client)
    response = await client.post(
        "/system/time/time",
        data={
            "sync_mode": "ntp_manual",
            "ntp_servers": "ntp1.example, ntp2.example",
            "time_zone": "Mars/Olympus",
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 400
    assert 'id="time-time_zone-error">&#39;Mars/Olympus&#39; is not a known time zone' in (
        response.text
    )
    assert owners.get(TimeSettings) == TimeSettings()


async def test_a_time_setting_saved_from_the_page_reaches_the_owner(
    client: httpx.AsyncClient, owners: FakeSettings
) -> None:
    csrf = await log_in(client)
    response = await client.post(
        "/system/time/time",
        data={
            "sync_mode": "ntp_manual",
            "ntp_servers": "ntp1.example, ntp2.example",
            "min_poll_s": "64",
            "max_poll_s": "1024",
            "time_zone_source": "manual",
            "time_zone": "Europe/Stockholm",
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 303
    stored = owners.get(TimeSettings)
    assert stored.ntp_servers == ["ntp1.example", "ntp2.example"]
    assert stored.time_zone == "Europe/Stockholm"


async def test_a_static_address_without_a_mask_is_refused_next_to_the_address(
    client: httpx.AsyncClient, owners: FakeSettings
) -> None:
    csrf = await log_in(client)
    response = await client.post(
        "/system/network/ipv4", data={"address": "192.0.2.10", "csrf_token": csrf}
    )
    assert response.status_code == 400
    assert 'id="ipv4-address-error">a static address needs an IP address and a subnet' in (
        response.text
    )
    assert owners.get(Ipv4Settings) == Ipv4Settings()


async def test_viewers_see_the_network_settings_without_a_way_to_change_them(
    client: httpx.AsyncClient,
) -> None:
    await log_in(client, "view")
    page = await client.get("/system/network")
    assert page.status_code == 200
    assert '<fieldset class="plain" disabled>' in page.text
    assert "Your account may view these settings, not change them." in page.text


async def test_a_viewer_changing_a_setting_is_refused(
    client: httpx.AsyncClient, owners: FakeSettings
) -> None:
    csrf = await log_in(client, "view")
    response = await client.post(
        "/system/time/location", data={"latitude": "10", "csrf_token": csrf}
    )
    assert response.status_code == 403
    assert owners.get(Location) == Location()


async def test_operators_may_change_the_http_ports_but_not_the_ipv4_settings(
    client: httpx.AsyncClient,
) -> None:
    csrf = await log_in(client, "op")
    http = await client.post(
        "/system/network/http",
        data={"access": "both", "http_port": "8080", "https_port": "8443", "csrf_token": csrf},
    )
    assert http.status_code == 303
    ipv4 = await client.post("/system/network/ipv4", data={"is_dhcp": "true", "csrf_token": csrf})
    assert ipv4.status_code == 403


async def test_the_menu_lists_the_settings_pages_each_role_may_read(
    client: httpx.AsyncClient,
) -> None:
    await log_in(client, "view")
    viewer = await client.get("/system/time")
    assert 'href="/system/network"' in viewer.text
    assert 'href="/system/onvif"' not in viewer.text
    await log_in(client, "admin")
    admin = await client.get("/system/time")
    assert 'href="/system/onvif"' in admin.text


async def test_a_hidden_wlan_is_configured_and_its_passphrase_never_shown(
    client: httpx.AsyncClient, owners: FakeSettings, fake_bus: FakeBus
) -> None:
    csrf = await log_in(client)
    response = await client.post(
        "/system/wlan/wlan",
        data={
            "ssid": "Yard",
            "is_hidden": "true",
            "security": "wpa2_psk",
            "passphrase": "correct horse",
            "ipv4.is_dhcp": "true",
            "ipv6.is_auto": "true",
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 303
    assert owners.get(WlanSettings).is_hidden
    (sent,) = [command for command in fake_bus.sent if isinstance(command, SetWlan)]
    assert sent.settings.passphrase == "correct horse"
    owners.stored[WlanSettings] = owners.get(WlanSettings).model_copy(
        update={"passphrase": None, "has_passphrase": True}
    )
    page = await client.get("/system/wlan")
    assert "correct horse" not in page.text
    assert "Stored; type to replace" in page.text


async def test_a_network_in_range_fills_in_the_wlan_form(client: httpx.AsyncClient) -> None:
    await log_in(client)
    page = await client.get("/system/wlan")
    assert "Depot" in page.text
    configured = await client.get("/system/wlan?form=wlan&ssid=Depot&security=open")
    assert 'name="ssid" value="Depot"' in configured.text
    assert '<option value="open" selected>' in configured.text


async def test_firewall_rules_are_tested_with_a_countdown_then_confirmed(
    client: httpx.AsyncClient, owners: FakeSettings
) -> None:
    csrf = await log_in(client)
    added = await client.post(
        "/system/firewall/rules",
        data={
            "address": "192.0.2.0/24",
            "protocol": "tcp",
            "port": "443",
            "policy": "allow",
            "time_limit_s": "120",
            "csrf_token": csrf,
        },
    )
    assert added.status_code == 303
    page = await client.get("/system/firewall")
    assert 'id="firewall-test"' in page.text
    assert "192.0.2.0/24" in page.text
    await client.post("/system/firewall/rules/confirm", data={"csrf_token": csrf})
    assert owners.firewall.test_deadline is None
    assert len(owners.firewall.active_rules) == 1


async def test_a_firewall_rule_is_added_by_the_owner_after_the_ones_in_force(
    client: httpx.AsyncClient, owners: FakeSettings, fake_bus: FakeBus
) -> None:
    owners.firewall = Firewall(active_rules=[FirewallRule(protocol="tcp", port=22)])
    csrf = await log_in(client)
    fake_bus.sent.clear()
    form = {"address": "192.0.2.7", "time_limit_s": "0", "csrf_token": csrf}
    assert (await client.post("/system/firewall/rules", data=form)).status_code == 303
    (sent,) = [command for command in fake_bus.sent if isinstance(command, AddFirewallRule)]
    assert (sent.rule, sent.time_limit_s) == (FirewallRule(address="192.0.2.7"), 0)
    assert not any(isinstance(command, GetFirewall) for command in fake_bus.sent)
    assert [rule.port for rule in owners.firewall.active_rules] == [22, None]


async def test_a_firewall_rule_with_a_port_but_no_protocol_is_refused_beside_the_rules(
    client: httpx.AsyncClient, owners: FakeSettings
) -> None:
    csrf = await log_in(client)
    response = await client.post(
        "/system/firewall/rules",
        data={"address": "192.0.2.7", "protocol": "any", "port": "22", "csrf_token": csrf},
    )
    assert response.status_code == 400
    assert 'id="rules-error">rule: Value error, a port needs the protocol TCP or UDP' in (
        response.text
    )
    assert owners.firewall.active_rules == []


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
    assert '<script src="/static/mqtt_port.js" defer>' in page.text
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


async def test_an_onvif_account_is_added_and_a_second_of_that_name_refused(
    client: httpx.AsyncClient, owners: FakeSettings
) -> None:
    csrf = await log_in(client)
    data = {"name": "vms", "password": "pw", "role": "media", "csrf_token": csrf}
    assert (await client.post("/system/onvif/accounts", data=data)).status_code == 303
    again = await client.post("/system/onvif/accounts", data=data)
    assert again.status_code == 400
    assert 'id="add-error">an ONVIF account named &#39;vms&#39; already exists' in again.text
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


async def test_the_rest_api_never_returns_the_snmp_communities(client: httpx.AsyncClient) -> None:
    read = await client.get("/api/v1/network/snmp", headers=basic("view"))
    assert read.status_code == 200
    body = read.json()
    assert not {"read_community", "write_community", "trap_community"} & set(body)
    assert "has_write_community" in body


async def test_the_rest_api_sets_and_reads_back_the_location(client: httpx.AsyncClient) -> None:
    admin = basic("admin")
    cape = Location(latitude=-33.9, label="Cape").model_dump(mode="json")
    put = await client.put("/api/v1/system/location", json=cape, headers=admin)
    assert put.status_code == 200
    read = await client.get("/api/v1/system/location", headers=basic("view"))
    assert read.json()["latitude"] == -33.9
    assert read.json()["label"] == "Cape"


async def test_the_rest_api_answers_the_owners_refusal_with_400(client: httpx.AsyncClient) -> None:
    nowhere = TimeSettings(time_zone="Nowhere/Land").model_dump(mode="json")
    response = await client.put("/api/v1/system/time", json=nowhere, headers=basic("admin"))
    assert response.status_code == 400
    assert "is not a known time zone" in response.json()["detail"]


async def test_the_rest_api_unwraps_a_groups_model_as_the_body(client: httpx.AsyncClient) -> None:
    yard = WlanSettings(ssid="Yard", is_hidden=True, security=WlanSecurity.OPEN)
    body = yard.model_dump(mode="json", exclude={"passphrase", "has_passphrase"})
    response = await client.put("/api/v1/network/wlan", json=body, headers=basic("admin"))
    assert response.status_code == 200
    assert response.json()["ssid"] == "Yard"


async def test_a_put_that_leaves_out_part_of_a_group_is_refused_naming_it(
    client: httpx.AsyncClient, owners: FakeSettings
) -> None:
    before = owners.get(SnmpSettings)
    response = await client.put(
        "/api/v1/network/snmp", json={"is_enabled": True}, headers=basic("admin")
    )
    assert response.status_code == 422
    missing = [".".join(map(str, error["loc"])) for error in response.json()["detail"]]
    assert "body.version" in missing and "body.traps" in missing
    # Read-only flags and write-only secrets may be left out; the group is untouched.
    assert not any("community" in name for name in missing)
    assert owners.get(SnmpSettings) == before


async def test_the_power_countdown_is_off_until_the_system_service_says_otherwise(
    client: httpx.AsyncClient, fake_bus: FakeBus
) -> None:
    response = await client.get("/api/v1/system/power/countdown", headers=basic("view"))
    assert response.json()["state"] == "off"
    await log_in(client)
    page = await client.get("/system/power")
    assert 'id="countdown-state">Off' in page.text
    shutdown_at = datetime(2026, 5, 4, 12, 5, tzinfo=UTC)
    await fake_bus.publish(
        ShutdownCountdownChanged(state=ShutdownState.COUNTING_DOWN, shutdown_at=shutdown_at)
    )
    counting = await client.get("/system/power")
    assert 'id="countdown-state">Counting down' in counting.text
    assert "2026-05-04 12:05:00 unless the ignition comes back on" in counting.text


async def test_a_custom_clock_is_sent_as_typed_for_the_system_to_read_as_its_local_time(
    client: httpx.AsyncClient, owners: FakeSettings, fake_bus: FakeBus
) -> None:
    owners.stored[TimeSettings] = TimeSettings(
        sync_mode=SyncMode.CUSTOM, time_zone="Europe/Stockholm"
    )
    csrf = await log_in(client)
    page = await client.get("/system/time")
    assert 'id="clock-from-system"' in page.text
    fake_bus.sent.clear()
    response = await client.post(
        "/system/time/clock", data={"at": "2026-05-04T14:00:00", "csrf_token": csrf}
    )
    assert response.status_code == 303
    (sent,) = [command for command in fake_bus.sent if isinstance(command, SetDateTime)]
    assert sent.at == datetime(2026, 5, 4, 14, 0)
    assert not any(isinstance(command, GetTimeSettings) for command in fake_bus.sent)
    refused = await client.post("/system/time/clock", data={"at": "soon", "csrf_token": csrf})
    assert 'id="clock-error">at: Input should be a valid datetime' in refused.text


async def test_the_rest_api_refuses_a_field_the_group_does_not_have(
    client: httpx.AsyncClient,
) -> None:
    admin = basic("admin")
    before = (await client.get("/api/v1/network/hostname", headers=admin)).json()
    misspelt = {"is_auto": False, "hostnme": "car-13"}
    wrapped = {"settings": {"is_auto": False, "hostname": "car-13"}}
    for body, unknown in ((misspelt, "hostnme"), (wrapped, "settings")):
        refused = await client.put("/api/v1/network/hostname", json=body, headers=admin)
        assert refused.status_code == 422
        [problem] = refused.json()["detail"]
        assert problem["type"] == "unknown_fields"
        assert problem["msg"].startswith(f"unknown field {unknown} (known: is_auto, hostname")
    assert (await client.get("/api/v1/network/hostname", headers=admin)).json() == before


async def test_a_command_body_refuses_a_field_the_command_does_not_have(
    client: httpx.AsyncClient,
) -> None:
    body = {"password": "long enough", "passphrase": "long enough"}
    response = await client.put(
        "/api/v1/network/snmp/v3-password", json=body, headers=basic("admin")
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "passphrase"]
    assert response.json()["detail"][0]["type"] == "extra_forbidden"
