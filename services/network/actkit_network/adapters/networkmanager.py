"""NetworkManager over D-Bus (dbus-fast): IP, DNS, hostname and WLAN profiles of the board.

Every call declares its D-Bus signature here instead of introspecting the daemon at run time,
so a reply of the wrong shape fails loudly and nothing depends on what the daemon advertises.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from dbus_fast import BusType, Message, MessageType
from dbus_fast.aio import MessageBus

from actkit_network.adapters.nm_profiles import (
    MACSEC_ID,
    WIRED_FALLBACK_ID,
    WLAN_ID,
    Profile,
    channel_of,
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

NM = "org.freedesktop.NetworkManager"
NM_PATH = "/org/freedesktop/NetworkManager"
SETTINGS = f"{NM}.Settings"
SETTINGS_PATH = f"{NM_PATH}/Settings"
DEVICE = f"{NM}.Device"
PROPERTIES = "org.freedesktop.DBus.Properties"

ACTIVATED = 100
DEVICE_TYPE_WIFI = 2
SAVE_TO_DISK = 0x1
BLOCK_AUTOCONNECT = 0x20


class NetworkManager:
    """Drives NetworkManager; connect with :meth:`connect`."""

    def __init__(self, bus: MessageBus, interface: str, certificate_dir: str) -> None:
        self._bus = bus
        self._interface = interface
        self._certificate_dir = certificate_dir
        self._events: asyncio.Queue[NetworkEvent] = asyncio.Queue()
        self._wlan_ssid: str | None = None
        self._transitions: asyncio.Queue[tuple[str, bool]] = asyncio.Queue()
        """Devices that became activated or stopped being so, in the order NM said."""

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

        With the cable unplugged the profile is joined at once; otherwise when it is unplugged.
        """
        self._wlan_ssid = settings.ssid
        if settings.ssid is None:
            await self._delete_profile(WLAN_ID)
            return
        await self._save_profile(wlan_profile(settings))
        if not await self._is_wired_up():
            await self._join_wlan()

    async def scan_wlan(self) -> list[WlanNetworkSeen]:
        """Ask every wireless device to scan, and read the networks its access points offer.

        A network several access points offer is listed once, by its strongest; hidden ones
        (an empty or all-NUL SSID) are left out, as they are joined by configuring their SSID.
        """
        strongest: dict[str, WlanNetworkSeen] = {}
        for device in await self._devices():
            if await self._get(device, DEVICE, "DeviceType") != DEVICE_TYPE_WIFI:
                continue
            wireless = f"{DEVICE}.Wireless"
            with contextlib.suppress(Unavailable):  # a scan already running is fine
                await self._call(NM, device, wireless, "RequestScan", "a{sv}", [{}])
            for point in await self._call(NM, device, wireless, "GetAllAccessPoints", "", []):
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
                    ssid=self._wlan_ssid if is_wireless and is_up else None,
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
        new, old, _reason = message.body
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
            if is_up and self._wlan_ssid is not None:
                self._events.put_nowait(WlanConnected(interface=name, ssid=self._wlan_ssid))
            elif not is_up:
                self._events.put_nowait(WlanDisconnected(interface=name, ssid=self._wlan_ssid))
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
        for device in await self._devices():
            if await self._get(device, DEVICE, "DeviceType") == DEVICE_TYPE_WIFI:
                return device
        return None

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
        path, profile = stored[0]
        self._wlan_ssid = bytes(profile["802-11-wireless"]["ssid"].value).decode(errors="replace")
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

    async def _devices(self) -> list[str]:
        return list(await self._call(NM, NM_PATH, NM, "GetDevices", "", []))

    async def _device_path(self, interface: str) -> str:
        return str(await self._call(NM, NM_PATH, NM, "GetDeviceByIpIface", "s", [interface]))

    async def stored_profiles(self) -> list[Profile]:
        """Every profile NetworkManager keeps, as it normalised them (without secrets)."""
        return [profile for _path, profile in await self._profiles()]

    async def stored_profile(self, profile_id: str) -> Profile | None:
        """The stored profile named ``profile_id``, if there is one."""
        path = await self._profile_path(profile_id)
        return None if path is None else dict(await self._profiles())[path]

    async def _profiles(self) -> list[tuple[str, Profile]]:
        found = []
        for path in await self._call(NM, SETTINGS_PATH, SETTINGS, "ListConnections", "", []):
            connection = f"{SETTINGS}.Connection"
            found.append((path, await self._call(NM, path, connection, "GetSettings", "", [])))
        return found

    async def _profile_path(self, profile_id: str) -> str | None:
        for path, profile in await self._profiles():
            if profile["connection"]["id"].value == profile_id:
                return str(path)
        return None

    async def _save_profile(self, profile: Profile) -> str:
        profile_id = profile["connection"]["id"].value
        path = await self._profile_path(profile_id)
        # Stored to disk without autoconnecting: the caller activates it once, explicitly.
        flags = SAVE_TO_DISK | BLOCK_AUTOCONNECT
        if path is None:
            added = await self._call_all(
                NM,
                SETTINGS_PATH,
                SETTINGS,
                "AddConnection2",
                "a{sa{sv}}ua{sv}",
                [profile, flags, {}],
            )
            return str(added[0])
        connection = f"{SETTINGS}.Connection"
        await self._call(NM, path, connection, "Update2", "a{sa{sv}}ua{sv}", [profile, flags, {}])
        return path

    async def _delete_profile(self, profile_id: str) -> None:
        path = await self._profile_path(profile_id)
        if path is not None:
            await self._call(NM, path, f"{SETTINGS}.Connection", "Delete", "", [])

    async def _get(self, path: str, interface: str, name: str) -> Any:
        variant = await self._call(NM, path, PROPERTIES, "Get", "ss", [interface, name])
        return variant.value

    async def _call(
        self,
        destination: str,
        path: str,
        interface: str,
        member: str,
        signature: str,
        body: list[Any],
    ) -> Any:
        values = await self._call_all(destination, path, interface, member, signature, body)
        return values[0] if values else None

    async def _call_all(
        self,
        destination: str,
        path: str,
        interface: str,
        member: str,
        signature: str,
        body: list[Any],
    ) -> list[Any]:
        reply = await self._bus.call(
            Message(
                destination=destination,
                path=path,
                interface=interface,
                member=member,
                signature=signature,
                body=body,
            )
        )
        if reply is None or reply.message_type is MessageType.ERROR:
            detail = reply.body[0] if reply is not None and reply.body else "no reply"
            name = reply.error_name or "" if reply is not None else ""
            kind = Invalid if "Invalid" in name else Unavailable
            raise kind(f"NetworkManager refused {member}: {detail}")
        return list(reply.body)
