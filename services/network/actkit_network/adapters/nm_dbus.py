"""NetworkManager's D-Bus API as the adapter calls it: typed calls, devices and stored profiles.

Every call declares its D-Bus signature here instead of introspecting the daemon at run time,
so a reply of the wrong shape fails loudly and nothing depends on what the daemon advertises.
"""

from __future__ import annotations

from typing import Any

from dbus_fast import Message, MessageType
from dbus_fast.aio import MessageBus

from actkit_network.adapters.nm_profiles import Profile
from actkit_proto.errors import Invalid, Unavailable

NM = "org.freedesktop.NetworkManager"
NM_PATH = "/org/freedesktop/NetworkManager"
SETTINGS = f"{NM}.Settings"
SETTINGS_PATH = f"{NM_PATH}/Settings"
CONNECTION = f"{SETTINGS}.Connection"
DEVICE = f"{NM}.Device"
WIRELESS = f"{DEVICE}.Wireless"
PROPERTIES = "org.freedesktop.DBus.Properties"

UNMANAGED = 10
ACTIVATED = 100
FAILED = 120
DEVICE_TYPE_WIFI = 2
SAVE_TO_DISK = 0x1
IN_MEMORY = 0x2
BLOCK_AUTOCONNECT = 0x20


class NetworkManagerClient:
    """Calls to NetworkManager on ``bus``; the adapter builds on these."""

    def __init__(self, bus: MessageBus) -> None:
        self._bus = bus

    async def stored_profiles(self) -> list[Profile]:
        """Every profile NetworkManager keeps, as it normalised them (without secrets)."""
        return [profile for _path, profile in await self._profiles()]

    async def stored_profile(self, profile_id: str) -> Profile | None:
        """The stored profile named ``profile_id``, if there is one."""
        path = await self._profile_path(profile_id)
        return None if path is None else dict(await self._profiles())[path]

    async def _devices(self) -> list[str]:
        return list(await self._call(NM, NM_PATH, NM, "GetDevices", "", []))

    async def _device_path(self, interface: str) -> str:
        return str(await self._call(NM, NM_PATH, NM, "GetDeviceByIpIface", "s", [interface]))

    async def _wireless_devices(self) -> list[str]:
        """The WLAN devices NetworkManager manages (an access point's radio beside is not)."""
        found = []
        for device in await self._devices():
            if await self._get(device, DEVICE, "DeviceType") != DEVICE_TYPE_WIFI:
                continue
            if await self._get(device, DEVICE, "State") > UNMANAGED:
                found.append(device)
        return found

    async def _profiles(self) -> list[tuple[str, Profile]]:
        found = []
        for path in await self._call(NM, SETTINGS_PATH, SETTINGS, "ListConnections", "", []):
            found.append((path, await self._call(NM, path, CONNECTION, "GetSettings", "", [])))
        return found

    async def _profile_path(self, profile_id: str) -> str | None:
        for path, profile in await self._profiles():
            if profile["connection"]["id"].value == profile_id:
                return str(path)
        return None

    async def _save_profile(self, profile: Profile, where: int = SAVE_TO_DISK) -> str:
        """Add or update the profile by its id; the caller activates it, explicitly.

        ``where`` is :data:`SAVE_TO_DISK` or :data:`IN_MEMORY` (gone when NetworkManager stops).
        """
        profile_id = profile["connection"]["id"].value
        path = await self._profile_path(profile_id)
        flags = where | BLOCK_AUTOCONNECT
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
        await self._call(NM, path, CONNECTION, "Update2", "a{sa{sv}}ua{sv}", [profile, flags, {}])
        return path

    async def _delete_profile(self, profile_id: str) -> None:
        path = await self._profile_path(profile_id)
        if path is not None:
            await self._call(NM, path, CONNECTION, "Delete", "", [])

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
