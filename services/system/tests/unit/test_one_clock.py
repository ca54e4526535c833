"""One clock for the device: the zone in force is told to every service and put on the host."""

import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Unavailable
from actkit_proto.system import SetTimeSettings, TimeSettings, TimeZoneChanged, TimeZoneSource
from actkit_system.adapters.board import ChronyTimeKeeper
from actkit_system.adapters.host_zone import LocaltimeZone
from actkit_system.adapters.sim import SimDhcpTimeZone
from actkit_system.handlers import Deps
from actkit_system.handlers.device import follow_dhcp_time_zone


def _zones(fake_bus: FakeBus) -> list[str]:
    return [e.time_zone for e in fake_bus.published if isinstance(e, TimeZoneChanged)]


async def test_the_zone_in_force_is_told_at_start_and_kept_for_latecomers(
    fake_bus: FakeBus, deps: Deps
) -> None:
    assert _zones(fake_bus) == ["UTC"]
    assert await fake_bus.current(TimeZoneChanged) == [TimeZoneChanged(time_zone="UTC")]


async def test_each_change_of_the_zone_in_force_is_told_once(fake_bus: FakeBus, deps: Deps) -> None:
    tokyo = TimeSettings(time_zone="Asia/Tokyo")
    await fake_bus.request(SetTimeSettings(settings=tokyo))
    other_servers = tokyo.model_copy(update={"fallback_ntp_servers": ["10.0.0.1"]})
    await fake_bus.request(SetTimeSettings(settings=other_servers))  # the same zone: not told
    assert _zones(fake_bus) == ["UTC", "Asia/Tokyo"]

    dhcp = deps.dhcp
    assert isinstance(dhcp, SimDhcpTimeZone)
    from_dhcp = TimeSettings(time_zone_source=TimeZoneSource.DHCP, time_zone="Asia/Tokyo")
    await fake_bus.request(SetTimeSettings(settings=from_dhcp))
    dhcp.zone = "Europe/Oslo"
    await follow_dhcp_time_zone(deps)
    assert _zones(fake_bus) == ["UTC", "Asia/Tokyo", "Europe/Oslo"]
    dhcp.zone = None  # the lease lost option 101: the manual zone is back in force
    await follow_dhcp_time_zone(deps)
    assert _zones(fake_bus) == ["UTC", "Asia/Tokyo", "Europe/Oslo", "Asia/Tokyo"]


class RecordingZone:
    def __init__(self, problem: str | None = None) -> None:
        self.zones: list[str] = []
        self.problem = problem

    async def apply(self, time_zone: str) -> None:
        if self.problem:
            raise Unavailable(self.problem)
        self.zones.append(time_zone)


@pytest.fixture
def process_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], str | None]]:
    """Reads this process's ``TZ``, which the board's time keeper sets; put back after."""
    monkeypatch.setenv("TZ", "UTC")
    yield lambda: os.environ.get("TZ")
    monkeypatch.undo()
    time.tzset()


async def test_the_board_puts_the_zone_on_the_host_and_in_its_own_process(
    tmp_path: Path, process_zone: Callable[[], str | None]
) -> None:
    host = RecordingZone()
    keeper = ChronyTimeKeeper(tmp_path / "chrony" / "actkit.conf", "/run/chrony-dhcp", host)
    await keeper.apply(TimeSettings(), "Pacific/Honolulu")
    assert host.zones == ["Pacific/Honolulu"]
    assert process_zone() == "Pacific/Honolulu"
    assert time.localtime(0).tm_hour == 14  # 1970-01-01 00:00 UTC, in Honolulu


async def test_a_host_that_refuses_the_zone_is_logged_and_the_clock_still_applied(
    tmp_path: Path, process_zone: Callable[[], str | None], caplog: pytest.LogCaptureFixture
) -> None:
    host = RecordingZone(problem="cannot reach timedated on the system bus: no socket")
    keeper = ChronyTimeKeeper(tmp_path / "actkit.conf", "/run/chrony-dhcp", host)
    with caplog.at_level(logging.ERROR):
        await keeper.apply(TimeSettings(ntp_servers=["10.0.0.1"]), "Asia/Tokyo")
    assert "the host keeps its time zone: cannot reach timedated" in caplog.text
    assert (tmp_path / "actkit.conf").exists()
    assert process_zone() == "Asia/Tokyo"


def _zoneinfo(tmp_path: Path) -> Path:
    folder = tmp_path / "zoneinfo"
    (folder / "Europe").mkdir(parents=True)
    (folder / "Europe" / "Oslo").write_bytes(b"TZif")
    (folder / "UTC").write_bytes(b"TZif")
    return folder


async def test_without_timedated_the_host_links_localtime_to_the_zone(tmp_path: Path) -> None:
    etc = tmp_path / "etc"
    etc.mkdir()
    localtime = etc / "localtime"
    localtime.symlink_to(_zoneinfo(tmp_path) / "UTC")
    await LocaltimeZone(localtime, tmp_path / "zoneinfo").apply("Europe/Oslo")
    assert localtime.resolve() == (tmp_path / "zoneinfo" / "Europe" / "Oslo").resolve()
    assert sorted(p.name for p in etc.iterdir()) == ["localtime"]  # nothing left beside it


async def test_a_zone_the_host_has_no_file_for_is_refused_and_localtime_kept(
    tmp_path: Path,
) -> None:
    localtime = tmp_path / "localtime"
    localtime.symlink_to(_zoneinfo(tmp_path) / "UTC")
    with pytest.raises(Unavailable, match=r"no zone file .*Mars/Olympus for Mars/Olympus"):
        await LocaltimeZone(localtime, tmp_path / "zoneinfo").apply("Mars/Olympus")
    with pytest.raises(Unavailable, match="cannot link"):
        await LocaltimeZone(tmp_path / "missing" / "localtime", tmp_path / "zoneinfo").apply(
            "Europe/Oslo"
        )
    assert localtime.resolve().name == "UTC"
