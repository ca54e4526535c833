from pathlib import Path

import pytest

from actkit_core.testing.dbus import DbusDaemon, DbusMock, call

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


DAEMON = ("org.freedesktop.DBus", "/org/freedesktop/DBus")


async def test_a_call_returns_the_reply_value_or_none_and_names_a_failed_method(
    dbus_daemon: str,
) -> None:
    names = await call(dbus_daemon, *DAEMON, "org.freedesktop.DBus", "ListNames")
    assert "org.freedesktop.DBus" in names
    assert await call(dbus_daemon, *DAEMON, "org.freedesktop.DBus.Peer", "Ping") is None
    owner = await call(
        dbus_daemon, *DAEMON, "org.freedesktop.DBus", "GetNameOwner", "s", "org.freedesktop.DBus"
    )
    assert owner == "org.freedesktop.DBus"
    with pytest.raises(RuntimeError, match=r"GetNameOwner: org\.freedesktop\.DBus\.Error\."):
        await call(dbus_daemon, *DAEMON, "org.freedesktop.DBus", "GetNameOwner", "s", "org.nobody")
