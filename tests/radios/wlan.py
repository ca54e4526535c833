"""Real NetworkManager in the radios VM, on mac80211_hwsim radios, and the networks in range.

``tools/radios-wlan.sh`` runs it all in the VM: hostapd serves the networks of
``access-points/*.conf`` on two radios, NetworkManager manages the third (``wlan2``) and a wired
``eth5`` whose cable is a veth the test plugs and pulls. What the tests check is read from
NetworkManager itself (which access point ``wlan2`` is associated with, by BSSID), not through
the network service under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actkit_core.testing import dbus
from actkit_core.testing.eventually import eventually

from .bluez import START_TIMEOUT_S, RadiosVm

NM = "org.freedesktop.NetworkManager"
NM_PATH = "/org/freedesktop/NetworkManager"
DEVICE = f"{NM}.Device"
WIRED, WIRELESS = "eth5", "wlan2"
UNAVAILABLE, DISCONNECTED, ACTIVATED = 20, 30, 100
ACCESS_POINTS = Path(__file__).parent / "access-points"


@dataclass(frozen=True)
class Network:
    """A network hostapd serves in the VM, as its configuration says."""

    ssid: str
    channel: int
    bssid: str
    passphrase: str | None
    is_hidden: bool


def networks() -> dict[str, Network]:
    """The networks in range, by SSID, from ``access-points/*.conf``.

    A radio's first BSS has the radio's address (hwsim gives radio N ``02:00:00:00:NN:00``);
    the next ones name theirs.
    """
    found = {}
    for conf in sorted(ACCESS_POINTS.glob("*.conf")):
        channel = 0
        for block in conf.read_text().split("\nbss="):
            values = dict(
                line.split("=", 1)
                for line in block.splitlines()
                if "=" in line and not line.startswith("#")
            )
            channel = int(values.get("channel", channel))
            radio = int(values.get("interface", "wlan0").removeprefix("wlan"))
            network = Network(
                ssid=values["ssid"],
                channel=channel,
                bssid=values.get("bssid", f"02:00:00:00:{radio:02x}:00").upper(),
                passphrase=values.get("wpa_passphrase"),
                is_hidden=values.get("ignore_broadcast_ssid", "0") != "0",
            )
            found[network.ssid] = network
    return found


class NetworkManagerVm:
    """The VM's NetworkManager, without a profile at each test's start, and the kit's cable."""

    def __init__(self, vm: RadiosVm) -> None:
        self.vm = vm
        self.bus_address = vm.bus_address

    async def start(self) -> None:
        """Start NetworkManager, once (it runs on until the VM stops)."""
        await self.vm.command("networkmanager start")

    async def reset(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """No profile, the cable plugged in, both interfaces disconnected.

        The first WLAN test waits for NetworkManager's start, up to ``timeout_s``.
        """

        async def clean() -> bool:
            await self.cable(is_plugged=True)
            settings = f"{NM}.Settings"
            for profile in await self._call(f"{NM_PATH}/Settings", settings, "ListConnections", ""):
                await self._call(profile, f"{settings}.Connection", "Delete", "")
            states = [await self.state(name) for name in (WIRED, WIRELESS)]
            return states == [DISCONNECTED, DISCONNECTED]

        # Not up yet, not on the bus yet or not managing a device yet raises RuntimeError.
        await eventually(clean, timeout_s=timeout_s, interval_s=0.2, ignoring=(RuntimeError,))

    async def cable(self, is_plugged: bool) -> None:
        """Plug the kit's cable in (``eth5`` gets a carrier) or pull it out."""
        await self.vm.command(f"cable {'plug' if is_plugged else 'pull'}")

    async def state(self, interface: str) -> int:
        """NetworkManager's state of the device (NMDeviceState: 30 disconnected, 100 up)."""
        device = await self._call(NM_PATH, NM, "GetDeviceByIpIface", "s", interface)
        return int(await self._get(device, DEVICE, "State"))

    async def associated(self) -> str | None:
        """The BSSID ``wlan2`` is associated with while its connection is up, else None."""
        if await self.state(WIRELESS) != ACTIVATED:
            return None
        device = await self._call(NM_PATH, NM, "GetDeviceByIpIface", "s", WIRELESS)
        point = await self._get(device, f"{DEVICE}.Wireless", "ActiveAccessPoint")
        return (
            None if point == "/" else str(await self._get(point, f"{NM}.AccessPoint", "HwAddress"))
        )

    async def addresses(self, interface: str) -> list[str]:
        """The IPv4 addresses NetworkManager configured on ``interface``."""
        device = await self._call(NM_PATH, NM, "GetDeviceByIpIface", "s", interface)
        config = await self._get(device, DEVICE, "Ip4Config")
        if config == "/":
            return []
        data = await self._get(config, f"{NM}.IP4Config", "AddressData")
        return [f"{entry['address'].value}/{entry['prefix'].value}" for entry in data]

    async def _get(self, path: str, interface: str, name: str) -> Any:
        properties = "org.freedesktop.DBus.Properties"
        return (await self._call(path, properties, "Get", "ss", interface, name)).value

    async def _call(
        self, path: str, interface: str, member: str, signature: str, *body: Any
    ) -> Any:
        return await dbus.call(self.bus_address, NM, path, interface, member, signature, *body)
