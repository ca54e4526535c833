"""The host's time zone set through systemd-timedated (python-dbusmock's) on a private bus."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from actkit_core.testing.dbus import DbusMock, call
from actkit_proto import Unavailable
from actkit_system.adapters.host_zone import TIMEDATED, TIMEDATED_PATH, TimedatedZone


@pytest.fixture
def timedated(dbus_daemon: str, tmp_path: Path) -> Iterator[DbusMock]:
    mock = DbusMock(dbus_daemon, "timedated", TIMEDATED, log_file=tmp_path / "timedated.log")
    mock.start()
    yield mock
    mock.stop()


async def _host_zone(address: str) -> str:
    zone = await call(
        address, TIMEDATED, TIMEDATED_PATH, "org.freedesktop.DBus.Properties", "Get", "ss",
        TIMEDATED, "Timezone",
    )  # fmt: skip
    return str(zone.value)


async def test_timedated_takes_the_zone_without_asking_anyone(
    dbus_daemon: str, timedated: DbusMock, tmp_path: Path
) -> None:
    await TimedatedZone(dbus_daemon).apply("Europe/Stockholm")
    assert await _host_zone(dbus_daemon) == "Europe/Stockholm"
    assert 'SetTimezone "Europe/Stockholm" False' in (tmp_path / "timedated.log").read_text()


async def test_a_host_without_timedated_is_said_to_be_unavailable(dbus_daemon: str) -> None:
    with pytest.raises(Unavailable, match="timedated refused the time zone Europe/Oslo"):
        await TimedatedZone(dbus_daemon, timeout_s=2).apply("Europe/Oslo")
    with pytest.raises(Unavailable, match="cannot reach timedated"):
        await TimedatedZone("unix:path=/nonexistent/bus.sock", timeout_s=2).apply("Europe/Oslo")
