"""The time zone of the DHCP lease, read from NetworkManager over D-Bus (read-only).

NetworkManager keeps what the DHCP server gave as ``DHCP4Config.Options`` of the active connection;
option 101 (the IANA time zone name, RFC 4833) is the key ``tcode``. Only properties are read:
the network service alone configures NetworkManager.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from dbus_fast import BusType, Message, MessageType
from dbus_fast.aio import MessageBus
from dbus_fast.errors import DBusFastError

log = logging.getLogger(__name__)

NM = "org.freedesktop.NetworkManager"
NM_PATH = "/org/freedesktop/NetworkManager"
ACTIVE = "org.freedesktop.NetworkManager.Connection.Active"
DHCP4 = "org.freedesktop.NetworkManager.DHCP4Config"
TIME_ZONE_OPTION = "tcode"
"""NetworkManager's name of DHCP option 101 (new TZDB time zone)."""
NO_OBJECT = "/"


class DhcpUnreadable(Exception):
    """NetworkManager could not be asked (not running, no bus, refused)."""


class NetworkManagerDhcpTimeZone:
    """Reads option 101 of the primary connection's DHCP lease; connects to the bus when asked."""

    def __init__(self, bus_address: str | None = None, timeout_s: float = 5.0) -> None:
        self._address = bus_address
        self._timeout_s = timeout_s
        self._bus: MessageBus | None = None
        self._reported: str | None = None

    async def offered(self) -> str | None:
        try:
            connection = await self._get(NM_PATH, NM, "PrimaryConnection")
            if connection == NO_OBJECT:
                return self._ok(None)
            config = await self._get(connection, ACTIVE, "Dhcp4Config")
            if config == NO_OBJECT:
                return self._ok(None)
            options: dict[str, Any] = await self._get(config, DHCP4, "Options")
        except (DhcpUnreadable, DBusFastError, OSError, TimeoutError, EOFError) as exc:
            await self.close()
            self._problem(f"cannot read the DHCP lease from NetworkManager: {exc}")
            return None
        option = options.get(TIME_ZONE_OPTION)
        value = getattr(option, "value", option)
        return self._ok(value.strip() if isinstance(value, str) and value.strip() else None)

    async def close(self) -> None:
        """Leave the bus (it is joined again on the next read)."""
        bus, self._bus = self._bus, None
        if bus is not None:
            bus.disconnect()

    async def _get(self, path: str, interface: str, name: str) -> Any:
        bus = await self._connected()
        reply = await asyncio.wait_for(
            bus.call(
                Message(
                    destination=NM,
                    path=path,
                    interface="org.freedesktop.DBus.Properties",
                    member="Get",
                    signature="ss",
                    body=[interface, name],
                )
            ),
            self._timeout_s,
        )
        if reply is None or reply.message_type is MessageType.ERROR:
            why = reply.body[0] if reply is not None and reply.body else "no reply"
            raise DhcpUnreadable(f"{interface}.{name}: {why}")
        return reply.body[0].value

    async def _connected(self) -> MessageBus:
        if self._bus is None or not self._bus.connected:
            bus = MessageBus(bus_address=self._address, bus_type=BusType.SYSTEM)
            self._bus = await asyncio.wait_for(bus.connect(), self._timeout_s)
        return self._bus

    def _ok(self, zone: str | None) -> str | None:
        self._reported = None
        return zone

    def _problem(self, text: str) -> None:
        if text != self._reported:  # once per problem, not on every poll
            log.warning("%s", text)
            self._reported = text
