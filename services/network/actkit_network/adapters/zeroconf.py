"""Bonjour on the board (python-zeroconf): announces the web interface as ``_http._tcp``."""

from __future__ import annotations

import socket

import ifaddr
from zeroconf import IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

SERVICE_TYPE = "_http._tcp.local."


class ZeroconfAnnouncer:
    """Keeps one mDNS service registered while Bonjour is on.

    ``interfaces`` limits where it is announced, e.g. ``["127.0.0.1"]`` in tests.
    """

    def __init__(self, interfaces: list[str] | None = None) -> None:
        self._interfaces = interfaces
        self._zeroconf: AsyncZeroconf | None = None
        self._service: AsyncServiceInfo | None = None

    async def apply(self, name: str | None, hostname: str, http_port: int) -> None:
        """Withdraw the previous announcement and, when ``name`` is set, announce anew."""
        await self._withdraw()
        if name is None:
            return
        if self._zeroconf is None:
            self._zeroconf = AsyncZeroconf(
                interfaces=self._interfaces or "all", ip_version=IPVersion.V4Only
            )
        self._service = AsyncServiceInfo(
            SERVICE_TYPE,
            f"{name}.{SERVICE_TYPE}",
            addresses=[socket.inet_aton(address) for address in self._addresses()],
            port=http_port,
            server=f"{hostname}.local.",
            properties={"path": "/"},
        )
        await self._zeroconf.async_register_service(self._service, allow_name_change=True)

    async def close(self) -> None:
        """Withdraw and stop answering."""
        await self._withdraw()
        if self._zeroconf is not None:
            await self._zeroconf.async_close()
            self._zeroconf = None

    async def _withdraw(self) -> None:
        if self._zeroconf is not None and self._service is not None:
            await self._zeroconf.async_unregister_service(self._service)
        self._service = None

    def _addresses(self) -> list[str]:
        if self._interfaces:
            return list(self._interfaces)
        return [
            str(ip.ip)
            for adapter in ifaddr.get_adapters()
            for ip in adapter.ips
            if ip.is_IPv4 and not str(ip.ip).startswith("127.")
        ]
