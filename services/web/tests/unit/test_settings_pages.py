"""Time, network, WLAN and firewall settings on their pages."""

import httpx

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.network import (
    AddFirewallRule,
    Firewall,
    FirewallRule,
    GetFirewall,
    Ipv4Settings,
    SetWlan,
    WlanSettings,
)
from actkit_proto.system import (
    Location,
    TimeSettings,
)

from ..conftest import log_in
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
