"""WLAN scan and join through the NetworkManager adapter, against dbusmock's NetworkManager.

The machine that runs the tests has no radio (and no mac80211_hwsim), so the real NetworkManager
of ``test_networkmanager.py`` has no wireless device; ``make test-radios`` runs the adapter
against a real NetworkManager on hwsim radios in a VM (``tests/radios/test_wlan_radios.py``,
open, hidden, WPA2-PSK and WPA2-Enterprise networks). These stay for what that VM does not offer
and for ``make test``: access points on 5 and 6 GHz, one SSID from several access points, SAE
flags, the calls the adapter makes counted. Here a private dbus-daemon serves
python-dbusmock's ``networkmanager`` template with an ethernet and a WiFi device and access points.
The template lacks what the adapter calls of NetworkManager ≥ 1.20 (``AddConnection2``,
``Update2``) and deactivates every device on ``DeactivateConnection``; the fixture adds those
methods to the mock, calling the template's own code, and honours the block-autoconnect flag.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from dbus_fast import Variant

from actkit_core.testing import dbus
from actkit_core.testing.dbus import DbusMock
from actkit_core.testing.eventually import eventually
from actkit_network.adapters.networkmanager import NetworkManager
from actkit_network.ports import NetworkEvent
from actkit_proto.network import (
    AddressChanged,
    InterfaceStatus,
    LinkChanged,
    WlanConnected,
    WlanDisconnected,
    WlanNetworkSeen,
    WlanSecurity,
    WlanSettings,
)

NM = "org.freedesktop.NetworkManager"
NM_PATH = "/org/freedesktop/NetworkManager"
SETTINGS_PATH = f"{NM_PATH}/Settings"
DEVICE = f"{NM}.Device"
CONNECTION = f"{NM}.Settings.Connection"
MOCK = "org.freedesktop.DBus.Mock"
ETH0 = f"{NM_PATH}/Devices/eth0"
WLAN0 = f"{NM_PATH}/Devices/wlan0"
ACTIVATED, DISCONNECTED = 100, 30
BLOCK_AUTOCONNECT = 0x20

# Access point security flags (NM80211ApSecurityFlags).
CCMP = 0x08 | 0x80
PSK, EAP, SAE = 0x100, 0x200, 0x400

_HONOUR_BLOCK_AUTOCONNECT = """
connection = args[0]["connection"]
autoconnect = connection.get("autoconnect")
if args[1] & 0x20:
    connection["autoconnect"] = False
"""

_UPDATE2 = (
    _HONOUR_BLOCK_AUTOCONNECT
    + """
self.ConnectionUpdate(self, args[0])
if autoconnect is not None:
    self.settings["connection"]["autoconnect"] = autoconnect
ret = {}
"""
)

_ADD_CONNECTION2 = (
    _HONOUR_BLOCK_AUTOCONNECT
    + """
path = self.SettingsAddConnection(args[0])
if autoconnect is not None:
    connection["autoconnect"] = autoconnect
objects[path].AddMethod(
    "org.freedesktop.NetworkManager.Settings.Connection",
    "Update2", "a{sa{sv}}ua{sv}", "a{sv}", UPDATE2,
)
ret = (path, {})
""".replace("UPDATE2", repr(_UPDATE2))
)

# Only the devices the active connection is on (the template disconnects every device).
_DEACTIVATE_CONNECTION = """
for device in self.GetDevices():
    if objects[device].Get("org.freedesktop.NetworkManager.Device", "ActiveConnection") == args[0]:
        self.RemoveActiveConnection(device, args[0])
"""


async def _call(
    address: str, path: str, interface: str, member: str, signature: str, *body: Any
) -> Any:
    """Call the mock from the test's loop, as the adapter calls NetworkManager."""
    return await dbus.call(address, NM, path, interface, member, signature, *body)


async def _mock(address: str, path: str, member: str, signature: str = "", *body: Any) -> Any:
    return await _call(address, path, MOCK, member, signature, *body)


async def _calls(address: str, path: str, method: str) -> list[list[Any]]:
    """The arguments of every call of ``method`` on the mock object at ``path``."""
    log = await _mock(address, path, "GetMethodCalls", "s", method)
    return [[argument.value for argument in arguments] for _, arguments in log]


async def _get(address: str, path: str, interface: str, name: str) -> Any:
    variant = await _call(
        address, path, "org.freedesktop.DBus.Properties", "Get", "ss", interface, name
    )
    return variant.value


async def _add_access_point(
    address: str, name: str, ssid: str, frequency: int, strength: int, wpa: int, rsn: int
) -> None:
    point = await _mock(
        address, NM_PATH, "AddAccessPoint", "ssssuuuyu",
        WLAN0, name, ssid, "02:00:00:00:00:01", 2, frequency, 54000, strength, wpa | rsn,
    )  # fmt: skip
    # The template gives an access point one set of flags for WPA and RSN: set each apart.
    for flags, value in (("WpaFlags", wpa), ("RsnFlags", rsn)):
        access_point = f"{NM}.AccessPoint"
        await _mock(
            address, NM_PATH, "SetProperty", "sssv", point, access_point, flags, Variant("u", value)
        )


async def _board(address: str, cable_plugged: bool) -> None:
    """An ethernet and a WiFi device, and the methods the template lacks."""
    await _mock(
        address,
        NM_PATH,
        "AddEthernetDevice",
        "ssi",
        "eth0",
        "eth0",
        ACTIVATED if cable_plugged else DISCONNECTED,
    )
    await _mock(address, NM_PATH, "AddWiFiDevice", "ssi", "wlan0", "wlan0", DISCONNECTED)
    for device in (ETH0, WLAN0):
        await _mock(address, device, "AddProperty", "ssv", DEVICE, "Ip4Config", Variant("o", "/"))
    add_method = "AddMethod", "sssss"
    await _mock(
        address,
        SETTINGS_PATH,
        *add_method,
        f"{NM}.Settings",
        "AddConnection2",
        "a{sa{sv}}ua{sv}",
        "oa{sv}",
        _ADD_CONNECTION2,
    )
    await _mock(
        address, NM_PATH, *add_method, NM, "DeactivateConnection", "o", "", _DEACTIVATE_CONNECTION
    )


@pytest.fixture
def networkmanager_mock(dbus_daemon: str, tmp_path: Path) -> Iterator[DbusMock]:
    """dbusmock's NetworkManager template on the private bus, without devices yet."""
    mock = DbusMock(dbus_daemon, "networkmanager", NM, log_file=tmp_path / "nm.log")
    mock.start()
    try:
        yield mock
    finally:
        mock.stop()


@pytest_asyncio.fixture
async def plugged(networkmanager_mock: DbusMock) -> AsyncIterator[NetworkManager]:
    """The adapter on a board whose cable is plugged in."""
    await _board(networkmanager_mock.address, cable_plugged=True)
    async with NetworkManager.connect("eth0", networkmanager_mock.address) as manager:
        await manager.wait_until_managed(timeout_s=10)
        yield manager


class _Recorder:
    """Collects the adapter's events in the background."""

    def __init__(self, manager: NetworkManager) -> None:
        self.seen: list[NetworkEvent] = []
        self._task = asyncio.create_task(self._collect(manager))

    async def _collect(self, manager: NetworkManager) -> None:
        async for event in manager.events():
            self.seen.append(event)

    async def wait_for(self, event: NetworkEvent) -> list[NetworkEvent]:
        """Wait until ``event`` is seen; every event so far, which are then forgotten."""
        await eventually(lambda: event in self.seen)
        seen, self.seen = self.seen, []
        return seen

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


async def test_a_scan_lists_each_network_once_with_signal_channel_and_security(
    plugged: NetworkManager, networkmanager_mock: DbusMock
) -> None:
    address = networkmanager_mock.address
    await _add_access_point(address, "depot_a", "depot", 2437, 80, 0, PSK | CCMP)
    await _add_access_point(address, "depot_b", "depot", 5180, 40, 0, PSK | CCMP)
    await _add_access_point(address, "guest", "guest", 2412, 55, 0, 0)
    await _add_access_point(address, "corp", "corp", 5500, 60, 0, EAP | CCMP)
    await _add_access_point(address, "legacy", "legacy", 2484, 25, PSK | 0x04 | 0x40, 0)
    await _add_access_point(address, "sae", "yard-6g", 5955, 30, 0, SAE | CCMP)
    await _add_access_point(address, "hidden", "", 2462, 90, 0, PSK | CCMP)

    seen = await plugged.scan_wlan()

    assert sorted(seen, key=lambda network: network.ssid) == [
        WlanNetworkSeen(
            ssid="corp", signal_percent=60, channel=100, security=WlanSecurity.WPA2_ENTERPRISE
        ),
        WlanNetworkSeen(ssid="depot", signal_percent=80, channel=6, security=WlanSecurity.WPA2_PSK),
        WlanNetworkSeen(ssid="guest", signal_percent=55, channel=1, security=WlanSecurity.OPEN),
        WlanNetworkSeen(
            ssid="legacy", signal_percent=25, channel=14, security=WlanSecurity.WPA2_PSK
        ),
        WlanNetworkSeen(
            ssid="yard-6g", signal_percent=30, channel=1, security=WlanSecurity.WPA3_SAE
        ),
    ]
    assert await _calls(address, WLAN0, "RequestScan") == [[{}]]


async def test_a_scan_without_a_wireless_device_finds_nothing(
    networkmanager_mock: DbusMock,
) -> None:
    address = networkmanager_mock.address
    await _mock(address, NM_PATH, "AddEthernetDevice", "ssi", "eth0", "eth0", ACTIVATED)
    async with NetworkManager.connect("eth0", address) as manager:
        assert await manager.scan_wlan() == []


async def test_a_hidden_wpa_network_is_stored_and_joined_only_while_the_cable_is_unplugged(
    plugged: NetworkManager, networkmanager_mock: DbusMock
) -> None:
    address = networkmanager_mock.address
    events = _Recorder(plugged)
    try:
        await plugged.apply_wlan(
            WlanSettings(
                ssid="yard",
                is_hidden=True,
                security=WlanSecurity.WPA2_PSK,
                passphrase="yard-secret-1",
            )
        )
        [[profile, flags, _options]] = await _calls(address, SETTINGS_PATH, "AddConnection2")
        assert flags & BLOCK_AUTOCONNECT
        wireless = profile["802-11-wireless"]
        assert (wireless["ssid"].value, wireless["hidden"].value) == (b"yard", True)
        assert wireless["security"].value == "802-11-wireless-security"
        assert {
            name: value.value for name, value in profile["802-11-wireless-security"].items()
        } == {
            "key-mgmt": "wpa-psk",
            "psk": "yard-secret-1",
        }
        assert profile["connection"]["id"].value == "actkit-wlan"
        assert profile["connection"]["type"].value == "802-11-wireless"
        assert profile["ipv4"]["method"].value == "auto"
        [connection] = await _call(address, SETTINGS_PATH, f"{NM}.Settings", "ListConnections", "")
        # Ethernet is plugged in: nothing is activated.
        assert await _calls(address, NM_PATH, "ActivateConnection") == []

        await _mock(address, NM_PATH, "SetDeviceDisconnected", "s", ETH0)
        assert await events.wait_for(AddressChanged(interface="wlan0", addresses=[])) == [
            LinkChanged(interface="eth0", is_up=False),
            AddressChanged(interface="eth0", addresses=[]),
            LinkChanged(interface="wlan0", is_up=True),
            WlanConnected(interface="wlan0", ssid="yard"),
            AddressChanged(interface="wlan0", addresses=[]),
        ]
        assert await _calls(address, NM_PATH, "ActivateConnection") == [[connection, WLAN0, "/"]]
        active = await _get(address, WLAN0, DEVICE, "ActiveConnection")
        assert await _get(address, active, f"{NM}.Connection.Active", "Id") == "actkit-wlan"
        assert InterfaceStatus(interface="wlan0", is_up=True, is_wireless=True, ssid="yard") in (
            await plugged.interfaces()
        )

        await _mock(address, NM_PATH, "SetDeviceActive", "ss", ETH0, "/")
        assert await events.wait_for(AddressChanged(interface="wlan0", addresses=[])) == [
            LinkChanged(interface="eth0", is_up=True),
            AddressChanged(interface="eth0", addresses=[]),
            LinkChanged(interface="wlan0", is_up=False),
            WlanDisconnected(interface="wlan0", ssid="yard"),
            AddressChanged(interface="wlan0", addresses=[]),
        ]
        assert await _calls(address, NM_PATH, "DeactivateConnection") == [[active]]
        assert await _get(address, WLAN0, DEVICE, "State") == DISCONNECTED
        assert await _get(address, ETH0, DEVICE, "State") == ACTIVATED
    finally:
        await events.close()


async def test_with_the_cable_unplugged_a_configured_open_network_is_joined_at_once(
    networkmanager_mock: DbusMock,
) -> None:
    address = networkmanager_mock.address
    await _board(address, cable_plugged=False)
    async with NetworkManager.connect("eth0", address) as manager:
        await manager.apply_wlan(WlanSettings(ssid="guest", security=WlanSecurity.OPEN))
        [[profile, _flags, _options]] = await _calls(address, SETTINGS_PATH, "AddConnection2")
        assert "802-11-wireless-security" not in profile
        assert profile["802-11-wireless"]["hidden"].value is False
        [connection] = await _call(address, SETTINGS_PATH, f"{NM}.Settings", "ListConnections", "")
        assert await _calls(address, NM_PATH, "ActivateConnection") == [[connection, WLAN0, "/"]]
        assert await _get(address, WLAN0, DEVICE, "State") == ACTIVATED


async def test_a_stored_network_is_joined_on_unplug_after_a_restart(
    networkmanager_mock: DbusMock,
) -> None:
    address = networkmanager_mock.address
    await _board(address, cable_plugged=True)
    async with NetworkManager.connect("eth0", address) as before_restart:
        await before_restart.apply_wlan(
            WlanSettings(ssid="depot", security=WlanSecurity.WPA2_PSK, passphrase="depot-secret")
        )
    async with NetworkManager.connect("eth0", address) as manager:
        events = _Recorder(manager)
        try:
            await _mock(address, NM_PATH, "SetDeviceDisconnected", "s", ETH0)
            await events.wait_for(WlanConnected(interface="wlan0", ssid="depot"))
        finally:
            await events.close()


async def test_changing_the_network_updates_the_one_profile_and_no_ssid_deletes_it(
    plugged: NetworkManager, networkmanager_mock: DbusMock
) -> None:
    address = networkmanager_mock.address
    await plugged.apply_wlan(WlanSettings(ssid="depot", passphrase="depot-secret"))
    await plugged.apply_wlan(WlanSettings(ssid="yard", is_hidden=True, passphrase="yard-secret-1"))
    [connection] = await _call(address, SETTINGS_PATH, f"{NM}.Settings", "ListConnections", "")
    [[profile, flags, _options]] = await _calls(address, connection, "Update2")
    assert flags & BLOCK_AUTOCONNECT
    assert profile["802-11-wireless"]["ssid"].value == b"yard"
    stored = await _call(address, connection, CONNECTION, "GetSettings", "")
    assert stored["802-11-wireless"]["ssid"].value == b"yard"
    assert stored["802-11-wireless"]["hidden"].value is True

    await plugged.apply_wlan(WlanSettings())
    assert await _call(address, SETTINGS_PATH, f"{NM}.Settings", "ListConnections", "") == []
    assert await _calls(address, NM_PATH, "ActivateConnection") == []
