"""NetworkManager over D-Bus (dbus-fast): IP, DNS, hostname and WLAN profiles of the board."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from dbus_fast import BusType, Message, MessageType
from dbus_fast.aio import MessageBus

from actkit_network.adapters.nm_dbus import (
    ACTIVATED,
    BLOCK_AUTOCONNECT,
    CONNECTION,
    DEVICE,
    DEVICE_TYPE_WIFI,
    FAILED,
    IN_MEMORY,
    NM,
    NM_PATH,
    PROPERTIES,
    SAVE_TO_DISK,
    SETTINGS,
    SETTINGS_PATH,
    WIRELESS,
    NetworkManagerClient,
)
from actkit_network.adapters.nm_profiles import (
    MACSEC_ID,
    WIRED_FALLBACK_ID,
    WLAN_ID,
    WLAN_TRIAL_ID,
    channel_of,
    join_refusal,
    macsec_profile,
    security_of,
    wired_profiles,
    wlan_profile,
)
from actkit_network.ports import NetworkEvent
from actkit_proto.errors import Invalid, Unavailable
from actkit_proto.network import (
    AddressChanged,
    DnsSettings,
    Dot1xSettings,
    InterfaceStatus,
    Ipv4Settings,
    Ipv6Settings,
    LinkChanged,
    WlanConnected,
    WlanDisconnected,
    WlanNetworkSeen,
    WlanSettings,
)

JOIN_TIMEOUT_S = 60.0
"""How long joining a wireless network may take: association, handshake and addresses."""
SCAN_TIMEOUT_S = 30.0


class NetworkManager(NetworkManagerClient):
    """Drives NetworkManager; connect with :meth:`connect`."""

    def __init__(self, bus: MessageBus, interface: str, certificate_dir: str) -> None:
        super().__init__(bus)
        self._interface = interface
        self._certificate_dir = certificate_dir
        self._events: asyncio.Queue[NetworkEvent] = asyncio.Queue()
        self._joined: dict[str, str | None] = {}
        """The SSID each wireless interface joined, as reported."""
        self._transitions: asyncio.Queue[tuple[str, bool]] = asyncio.Queue()
        """Devices that became activated or stopped being so, in the order NM said."""
        self._watched: dict[str, asyncio.Queue[tuple[int, int]]] = {}
        """Devices being activated: each state they enter, with its reason."""

    @classmethod
    @contextlib.asynccontextmanager
    async def connect(
        cls,
        interface: str,
        bus_address: str | None = None,
        certificate_dir: str = "/var/lib/actkit/certificates",
    ) -> AsyncIterator[NetworkManager]:
        """Connect to the system bus (or ``bus_address``) and watch device state changes."""
        try:
            bus = await MessageBus(bus_address=bus_address, bus_type=BusType.SYSTEM).connect()
        except (OSError, ValueError) as exc:
            raise Unavailable(f"cannot reach the system D-Bus: {exc}") from None
        manager = cls(bus, interface, certificate_dir)
        try:
            await manager._call(
                "org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus",
                "AddMatch",
                "s",
                [f"type='signal',sender='{NM}',interface='{DEVICE}',member='StateChanged'"],
            )
            bus.add_message_handler(manager._on_message)
            reporter = asyncio.create_task(manager._report_transitions())
            try:
                yield manager
            finally:
                reporter.cancel()
                await asyncio.gather(reporter, return_exceptions=True)
        finally:
            bus.disconnect()

    async def wait_until_managed(self, timeout_s: float) -> None:
        """Wait until NetworkManager runs and manages the wired interface (e.g. at boot).

        Raises:
            Unavailable: it did not within ``timeout_s``.
        """
        unmanaged = 10
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            with contextlib.suppress(Unavailable, Invalid):
                device = await self._device_path(self._interface)
                if await self._get(device, DEVICE, "State") > unmanaged:
                    return
            if loop.time() > deadline:
                raise Unavailable(f"NetworkManager does not manage {self._interface}")
            await asyncio.sleep(0.1)

    async def apply_wired(
        self, ipv4: Ipv4Settings, ipv6: Ipv6Settings, dns: DnsSettings, dot1x: Dot1xSettings
    ) -> None:
        """Store the wired profiles (and MACsec's) and activate the main one on the device."""
        profiles = wired_profiles(self._interface, ipv4, ipv6, dns, dot1x, self._certificate_dir)
        paths = [await self._save_profile(profile) for profile in profiles]
        if len(profiles) == 1:
            await self._delete_profile(WIRED_FALLBACK_ID)
        macsec = macsec_profile(self._interface, dot1x)
        if macsec is None:
            await self._delete_profile(MACSEC_ID)
        else:
            await self._save_profile(macsec)
        device = await self._device_path(self._interface)
        await self._call(NM, NM_PATH, NM, "ActivateConnection", "ooo", [paths[0], device, "/"])

    async def apply_hostname(self, hostname: str | None) -> None:
        """Save the static hostname; an empty one hands the hostname to DHCP."""
        await self._call(NM, SETTINGS_PATH, SETTINGS, "SaveHostname", "s", [hostname or ""])

    async def apply_wlan(self, settings: WlanSettings) -> None:
        """Store the wireless profile (or delete it when no SSID is configured).

        With the cable unplugged the network is joined at once, and stored only once joined:
        one that refuses (a wrong passphrase, out of range) is refused with a sentence and the
        network joined before is joined again. With the cable plugged in it is stored, and
        joined when the cable is unplugged.

        Raises:
            Invalid: the network refused the passphrase, or is not in range.
            Unavailable: it could not be joined for another reason NetworkManager gives.
        """
        if settings.ssid is None:
            await self._delete_profile(WLAN_ID)
            return
        device = await self._wireless_device()
        if device is None or await self._is_wired_up():
            await self._save_profile(wlan_profile(settings, WLAN_ID, self._certificate_dir))
            return
        trial = await self._save_profile(
            wlan_profile(settings, WLAN_TRIAL_ID, self._certificate_dir), IN_MEMORY
        )
        try:
            await self._activate(trial, device, settings)
        except (Invalid, Unavailable):
            await self._delete_profile(WLAN_TRIAL_ID)
            await self._join_wlan()
            raise
        # Joined: it becomes the stored profile, in place of the one before.
        await self._delete_profile(WLAN_ID)
        flags = SAVE_TO_DISK | BLOCK_AUTOCONNECT
        profile = wlan_profile(settings, WLAN_ID, self._certificate_dir)
        await self._call(NM, trial, CONNECTION, "Update2", "a{sa{sv}}ua{sv}", [profile, flags, {}])

    async def _activate(self, profile: str, device: str, settings: WlanSettings) -> None:
        """Activate ``profile`` on ``device`` and wait until it is up or has failed."""
        states: asyncio.Queue[tuple[int, int]] = asyncio.Queue()
        self._watched[device] = states
        try:
            await self._call(NM, NM_PATH, NM, "ActivateConnection", "ooo", [profile, device, "/"])
            async with asyncio.timeout(JOIN_TIMEOUT_S):
                while (state := await states.get())[0] != ACTIVATED:
                    if state[0] == FAILED:
                        raise join_refusal(settings, state[1])
        except TimeoutError:
            raise Unavailable(
                f"{settings.ssid} was not joined within {JOIN_TIMEOUT_S:g} s"
            ) from None
        finally:
            del self._watched[device]

    async def scan_wlan(self) -> list[WlanNetworkSeen]:
        """Ask every wireless device to scan, and read the networks its access points offer.

        A network several access points offer is listed once, by its strongest; hidden ones
        (an empty or all-NUL SSID) are left out, as they are joined by configuring their SSID.
        """
        strongest: dict[str, WlanNetworkSeen] = {}
        for device in await self._wireless_devices():
            await self._scan(device)
            for point in await self._call(NM, device, WIRELESS, "GetAllAccessPoints", "", []):
                values = await self._call(
                    NM, point, PROPERTIES, "GetAll", "s", [f"{NM}.AccessPoint"]
                )
                ssid = bytes(values["Ssid"].value)
                if not ssid.strip(b"\0"):
                    continue
                seen = WlanNetworkSeen(
                    ssid=ssid.decode(errors="replace"),
                    signal_percent=values["Strength"].value,
                    channel=channel_of(values["Frequency"].value),
                    security=security_of(
                        values["Flags"].value, values["WpaFlags"].value, values["RsnFlags"].value
                    ),
                )
                known = strongest.get(seen.ssid)
                if known is None or seen.signal_percent > known.signal_percent:
                    strongest[seen.ssid] = seen
        return list(strongest.values())

    async def interfaces(self) -> list[InterfaceStatus]:
        """Every device but loopback, with its state and IPv4 addresses."""
        found = []
        for device in await self._devices():
            name = await self._get(device, DEVICE, "Interface")
            if name == "lo":
                continue
            is_up = await self._get(device, DEVICE, "State") == ACTIVATED
            is_wireless = await self._get(device, DEVICE, "DeviceType") == DEVICE_TYPE_WIFI
            found.append(
                InterfaceStatus(
                    interface=name,
                    is_up=is_up,
                    is_wireless=is_wireless,
                    addresses=await self._addresses(device) if is_up else [],
                    ssid=await self._active_ssid(device) if is_wireless and is_up else None,
                )
            )
        return found

    async def hostname(self) -> str:
        """The hostname NetworkManager keeps (static or from DHCP)."""
        return str(await self._get(SETTINGS_PATH, SETTINGS, "Hostname"))

    async def events(self) -> AsyncIterator[NetworkEvent]:
        """Link and address changes derived from device state changes."""
        while True:
            yield await self._events.get()

    async def ipv4_of(self, interface: str) -> tuple[list[str], str | None, list[str]]:
        """Addresses, gateway and DNS servers NetworkManager configured on ``interface``."""
        device = await self._device_path(interface)
        config = await self._get(device, DEVICE, "Ip4Config")
        if config == "/":
            return [], None, []
        ip4 = f"{NM}.IP4Config"
        gateway = await self._get(config, ip4, "Gateway")
        servers = await self._get(config, ip4, "NameserverData")
        return (
            await self._addresses(device),
            gateway or None,
            [server["address"].value for server in servers],
        )

    def _on_message(self, message: Message) -> None:
        if message.message_type is not MessageType.SIGNAL or message.member != "StateChanged":
            return
        if message.interface != DEVICE or message.path is None:
            return
        new, old, reason = message.body
        watched = self._watched.get(message.path)
        if watched is not None:
            watched.put_nowait((new, reason))
        if (new == ACTIVATED) != (old == ACTIVATED):
            self._transitions.put_nowait((message.path, new == ACTIVATED))

    async def _report_transitions(self) -> None:
        while True:
            device, is_up = await self._transitions.get()
            try:
                await self._report(device, is_up)
            except (Unavailable, Invalid):
                # The device went away before it could be read; its removal says the rest.
                continue

    async def _report(self, device: str, is_up: bool) -> None:
        name = await self._get(device, DEVICE, "Interface")
        if name == "lo":
            return
        self._events.put_nowait(LinkChanged(interface=name, is_up=is_up))
        if await self._get(device, DEVICE, "DeviceType") == DEVICE_TYPE_WIFI:
            ssid = await self._active_ssid(device) if is_up else None
            if ssid is not None:
                self._joined[name] = ssid
                self._events.put_nowait(WlanConnected(interface=name, ssid=ssid))
            elif not is_up:
                left = self._joined.pop(name, None)
                self._events.put_nowait(WlanDisconnected(interface=name, ssid=left))
        addresses = await self._addresses(device) if is_up else []
        self._events.put_nowait(AddressChanged(interface=name, addresses=addresses))
        if name == self._interface:
            # Ethernet is preferred: the WLAN is used only while the cable is unplugged.
            await (self._leave_wlan() if is_up else self._join_wlan())

    async def _is_wired_up(self) -> bool:
        try:
            device = await self._device_path(self._interface)
            return bool(await self._get(device, DEVICE, "State") == ACTIVATED)
        except (Unavailable, Invalid):
            return False

    async def _wireless_device(self) -> str | None:
        devices = await self._wireless_devices()
        return devices[0] if devices else None

    async def _scan(self, device: str) -> None:
        """Scan on ``device`` and return once NetworkManager has the results (``LastScan``).

        RequestScan only starts a scan: the access points read at once are the last scan's.
        """
        try:
            before = await self._get(device, WIRELESS, "LastScan")
        except (Unavailable, Invalid):
            before = None  # NetworkManager before 1.12: the results are read as they are
        try:
            await self._call(NM, device, WIRELESS, "RequestScan", "a{sv}", [{}])
        except Unavailable:
            return  # a scan running or just ended: its results are read
        if before is None:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(SCAN_TIMEOUT_S):
                while await self._get(device, WIRELESS, "LastScan") == before:
                    await asyncio.sleep(0.1)

    async def _active_ssid(self, device: str) -> str | None:
        """The SSID of the profile active on a wireless device (a hidden one's too)."""
        active = await self._get(device, DEVICE, "ActiveConnection")
        if active == "/":
            return None
        profile = await self._get(active, f"{NM}.Connection.Active", "Connection")
        stored = await self._call(NM, profile, CONNECTION, "GetSettings", "", [])
        return bytes(stored["802-11-wireless"]["ssid"].value).decode(errors="replace")

    async def _join_wlan(self) -> None:
        """Activate the stored wireless profile (it survives restarts) on the wireless device."""
        device = await self._wireless_device()
        stored = [
            (path, profile)
            for path, profile in await self._profiles()
            if profile["connection"]["id"].value == WLAN_ID
        ]
        if device is None or not stored:
            return
        path, _profile = stored[0]
        await self._call(NM, NM_PATH, NM, "ActivateConnection", "ooo", [path, device, "/"])

    async def _leave_wlan(self) -> None:
        device = await self._wireless_device()
        if device is None:
            return
        active = await self._get(device, DEVICE, "ActiveConnection")
        if active != "/":
            await self._call(NM, NM_PATH, NM, "DeactivateConnection", "o", [active])

    async def _addresses(self, device: str) -> list[str]:
        config = await self._get(device, DEVICE, "Ip4Config")
        if config == "/":
            return []
        data = await self._get(config, f"{NM}.IP4Config", "AddressData")
        return [f"{entry['address'].value}/{entry['prefix'].value}" for entry in data]
