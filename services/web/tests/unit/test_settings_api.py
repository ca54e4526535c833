"""The settings groups over REST: whole groups, refusals, secrets, the clock and the countdown."""

from datetime import UTC, datetime

import httpx

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.network import (
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
from ..fake_settings import FakeSettings


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
