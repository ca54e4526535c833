from pathlib import Path

import pytest

from actkit_core.testing.dbus import DbusDaemon, DbusMock

TIMEDATE = "timedated"  # a small template shipped with python-dbusmock


def test_a_mock_serves_its_name_on_the_private_bus_until_stopped(
    dbus_daemon: str, tmp_path: Path
) -> None:
    mock = DbusMock(dbus_daemon, TIMEDATE, "org.freedesktop.timedate1", tmp_path / "mock.log")
    mock.start()
    try:
        assert mock.is_serving()
        reply = mock.call(
            "org.freedesktop.timedate1",
            "/org/freedesktop/timedate1",
            "org.freedesktop.DBus.Properties.Get",
            "string:org.freedesktop.timedate1",
            "string:Timezone",
        )
        assert 'string "' in reply
    finally:
        mock.stop()
    assert not mock.is_serving()


def test_a_failed_call_says_which_method_and_why(dbus_daemon: str) -> None:
    mock = DbusMock(dbus_daemon, TIMEDATE, "org.freedesktop.timedate1")
    with pytest.raises(RuntimeError, match=r"org\.example\.Nothing\.Here failed: \S+"):
        mock.call("org.example.nobody", "/", "org.example.Nothing.Here")


def test_a_daemon_that_cannot_start_is_reported(tmp_path: Path) -> None:
    daemon = DbusDaemon(tmp_path / "missing-folder")
    with pytest.raises(RuntimeError, match="dbus-daemon exited"):
        daemon.start()
    daemon.stop()
