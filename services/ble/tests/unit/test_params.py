import pytest

from actkit_ble.handlers import Deps
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Invalid
from actkit_proto.beacon import AXIS_COMPANY_ID
from actkit_proto.ble import GetBeaconSettings
from actkit_proto.params import ListParameters, SetParameters


async def test_beacon_settings_are_listed(fake_bus: FakeBus, deps: Deps) -> None:
    listed = await fake_bus.request(ListParameters(service="ble"))
    assert {p.key: p.value for p in listed.parameters} == {
        "Bluetooth.Beacon.CompanyId": AXIS_COMPANY_ID,
        "Bluetooth.Beacon.MinRSSI": None,
        "Bluetooth.Beacon.PresenceTimeoutMs": 3000,
        "Bluetooth.Beacon.WatchedSystemIds": "",
    }


async def test_a_set_reaches_the_beacon_settings(fake_bus: FakeBus, deps: Deps) -> None:
    await fake_bus.request(
        SetParameters(
            service="ble",
            values={"Bluetooth.Beacon.WatchedSystemIds": "12, 7",
                    "Bluetooth.Beacon.MinRSSI": "-80",
                    "Bluetooth.Beacon.CompanyId": 0xFFFF},
        )
    )  # fmt: skip
    settings = await fake_bus.request(GetBeaconSettings())
    assert (settings.watched_system_ids, settings.min_rssi_dbm) == ([7, 12], -80)
    assert settings.company_id == 0xFFFF
    listed = await fake_bus.request(ListParameters(service="ble"))
    assert {p.key: p.value for p in listed.parameters}[
        "Bluetooth.Beacon.WatchedSystemIds"
    ] == "7,12"


async def test_the_beacon_model_refuses_what_it_always_refused(
    fake_bus: FakeBus, deps: Deps
) -> None:
    with pytest.raises(Invalid, match="each System ID may be watched once"):
        await fake_bus.request(
            SetParameters(service="ble", values={"Bluetooth.Beacon.WatchedSystemIds": "3,3"})
        )
    with pytest.raises(Invalid, match="at most 600000"):
        await fake_bus.request(
            SetParameters(service="ble", values={"Bluetooth.Beacon.PresenceTimeoutMs": 10**7})
        )
    assert (await fake_bus.request(GetBeaconSettings())).watched_system_ids == []
