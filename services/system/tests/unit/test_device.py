import json
from datetime import UTC, datetime

import pytest

from actkit_core.testing.clock import START
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Actor, Forbidden, Invalid, Role
from actkit_proto.system import (
    CoordinateFormat,
    GetIdentity,
    GetLocation,
    GetTimeStatus,
    Location,
    SetDateTime,
    SetLocation,
    SetTimeSettings,
    SyncMode,
    TimeSettings,
)
from actkit_system.adapters.sim import SimTimeKeeper
from actkit_system.domain.identity import identity, normalized_mac
from actkit_system.domain.time import chrony_config
from actkit_system.handlers import Deps


async def test_identity_has_the_mac_as_serial_number(fake_bus: FakeBus, deps: Deps) -> None:
    found = await fake_bus.request(GetIdentity())
    assert found.serial_number == "ACCC8E123456"
    assert found.mac_address == "AC:CC:8E:12:34:56"
    assert found.model == "AXIS W401"
    assert found.build == "dev"


def test_macs_are_normalized_and_bad_ones_refused() -> None:
    assert normalized_mac("ac-cc-8e-00-11-22") == "AC:CC:8E:00:11:22"
    assert identity("accc8e001122", "1.0", "abc").serial_number == "ACCC8E001122"
    with pytest.raises(Invalid, match="not a MAC address"):
        normalized_mac("ac:cc:8e:00:11")


async def test_time_settings_are_stored_and_applied(fake_bus: FakeBus, deps: Deps) -> None:
    wanted = TimeSettings(
        sync_mode=SyncMode.NTS_KE,
        nts_ke_servers=[" nts.netnod.se ", "time.cloudflare.com"],
        min_poll_s=16,
        max_poll_s=4096,
        time_zone="Europe/Stockholm",
    )
    saved = await fake_bus.request(SetTimeSettings(settings=wanted))
    assert saved.nts_ke_servers == ["nts.netnod.se", "time.cloudflare.com"]
    assert isinstance(deps.time, SimTimeKeeper)
    assert deps.time.settings == saved
    assert deps.time.time_zone == "Europe/Stockholm"
    assert await deps.store.load(TimeSettings) == saved
    status = await fake_bus.request(GetTimeStatus())
    assert status.is_synchronized
    assert status.server == "nts.netnod.se"
    assert (status.utc_offset_s, status.is_dst) == (7200, True)
    assert status.now.hour == 14


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"time_zone": "Mars/Olympus"}, "not an IANA time zone"),
        ({"min_poll_s": 100}, "must be one of 16, 32"),
        ({"min_poll_s": 2048, "max_poll_s": 1024}, "must not exceed max_poll_s"),
        ({"sync_mode": SyncMode.NTS_KE}, "give one or two NTS KE servers"),
        ({"sync_mode": SyncMode.NTP_MANUAL, "ntp_servers": [" "]}, "give one or two NTP"),
        ({"ntp_servers": ["bad host!"]}, "neither an IP address nor a host name"),
        ({"fallback_ntp_servers": ["a.b", "a.b"]}, "same server is given twice"),
    ],
)
async def test_bad_time_settings_are_refused(
    fake_bus: FakeBus, deps: Deps, change: dict[str, object], says: str
) -> None:
    with pytest.raises(Invalid, match=says):
        await fake_bus.request(SetTimeSettings(settings=TimeSettings(**change)))  # type: ignore[arg-type]
    assert deps.current.time == TimeSettings()


async def test_three_ntp_servers_are_refused_by_the_contract(fake_bus: FakeBus, deps: Deps) -> None:
    settings = TimeSettings().model_dump(mode="json") | {"ntp_servers": ["a", "b", "c"]}
    body = json.dumps({"settings": settings}).encode()
    with pytest.raises(Invalid, match="at most 2 items"):
        await fake_bus._dispatchers[0].dispatch(SetTimeSettings, "system.time.set", body)


async def test_the_clock_is_set_by_hand_only_in_custom_mode(fake_bus: FakeBus, deps: Deps) -> None:
    at = START.replace(year=2027)
    with pytest.raises(Invalid, match="choose custom date and time"):
        await fake_bus.request(SetDateTime(at=at))
    await fake_bus.request(SetTimeSettings(settings=TimeSettings(sync_mode=SyncMode.CUSTOM)))
    status = await fake_bus.request(SetDateTime(at=at))
    assert status.now == at
    assert not status.is_synchronized


async def test_a_clock_set_without_a_utc_offset_is_the_devices_local_time(
    fake_bus: FakeBus, deps: Deps
) -> None:
    custom = TimeSettings(sync_mode=SyncMode.CUSTOM, time_zone="Europe/Stockholm")
    await fake_bus.request(SetTimeSettings(settings=custom))
    status = await fake_bus.request(SetDateTime(at=datetime(2027, 1, 15, 16, 20)))
    assert status.now == datetime(2027, 1, 15, 15, 20, tzinfo=UTC)
    summer = await fake_bus.request(SetDateTime(at=datetime(2027, 7, 15, 16, 20)))
    assert summer.now == datetime(2027, 7, 15, 14, 20, tzinfo=UTC)


async def test_a_viewer_may_not_change_the_time(fake_bus: FakeBus, deps: Deps) -> None:
    viewer = Actor(name="val", role=Role.VIEWER)
    with pytest.raises(Forbidden):
        await fake_bus.request(SetTimeSettings(settings=TimeSettings(), actor=viewer))


def test_chrony_configuration_follows_the_mode() -> None:
    nts = chrony_config(
        TimeSettings(sync_mode=SyncMode.NTS_KE, nts_ke_servers=["nts.example"], max_poll_s=2048),
        "/run/chrony-dhcp",
    )
    assert "server nts.example iburst minpoll 6 maxpoll 11 nts" in nts
    dhcp = chrony_config(TimeSettings(fallback_ntp_servers=["10.0.0.1"]), "/run/chrony-dhcp")
    assert "sourcedir /run/chrony-dhcp" in dhcp
    assert "server 10.0.0.1 iburst minpoll 6 maxpoll 10\n" in dhcp
    custom = chrony_config(TimeSettings(sync_mode=SyncMode.CUSTOM), "/x")
    assert "server" not in custom
    assert "makestep" not in custom


async def test_location_is_saved_and_ranges_are_enforced(fake_bus: FakeBus, deps: Deps) -> None:
    here = Location(
        format=CoordinateFormat.DEGREES_MINUTES_SECONDS,
        latitude=55.7,
        longitude=-13.2,
        heading=359.5,
        label=" Patrol car 12 ",
    )
    saved = await fake_bus.request(SetLocation(location=here))
    assert saved.label == "Patrol car 12"
    assert await fake_bus.request(GetLocation()) == saved
    dispatcher = fake_bus._dispatchers[0]
    for change, says in [
        ({"latitude": 90.5}, "latitude: Input should be less than or equal to 90"),
        ({"longitude": -181}, "longitude: Input should be greater"),
        ({"heading": 360}, "heading: Input should be less than 360"),
        ({"label": "x" * 65}, "label: String should have at most"),
    ]:
        body = json.dumps({"location": saved.model_dump(mode="json") | change}).encode()
        with pytest.raises(Invalid, match=says):
            await dispatcher.dispatch(SetLocation, "system.location.set", body)
    assert deps.current.location == saved
