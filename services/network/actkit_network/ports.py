"""The system interfaces the network service drives, as Protocols; adapters/ implements them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from actkit_network.domain.ddns import DnsRegistration
from actkit_network.domain.discovery import DeviceIdentity, LldpConfig
from actkit_network.domain.snmp import Trap
from actkit_proto.network import (
    AddressChanged,
    DnsSettings,
    Dot1xSettings,
    InterfaceStatus,
    Ipv4Settings,
    Ipv6Settings,
    LinkChanged,
    SnmpSettings,
    WlanConnected,
    WlanDisconnected,
    WlanNetworkSeen,
    WlanSettings,
)

NetworkEvent = LinkChanged | AddressChanged | WlanConnected | WlanDisconnected


class NetworkPort(Protocol):
    """IP configuration, hostname and WLAN of the board (NetworkManager on the board)."""

    async def apply_wired(
        self, ipv4: Ipv4Settings, ipv6: Ipv6Settings, dns: DnsSettings, dot1x: Dot1xSettings
    ) -> None:
        """Configure and activate the wired interface, with its 802.1X or MACsec security."""

    async def apply_hostname(self, hostname: str | None) -> None:
        """Set the static hostname; ``None`` lets DHCP assign it."""

    async def apply_wlan(self, settings: WlanSettings) -> None:
        """Configure the wireless network to join when the cable is unplugged."""

    async def scan_wlan(self) -> list[WlanNetworkSeen]:
        """Scan for wireless networks in range."""

    async def interfaces(self) -> list[InterfaceStatus]:
        """Every managed interface's link and addresses now."""

    async def hostname(self) -> str:
        """The hostname in use."""

    def events(self) -> AsyncIterator[NetworkEvent]:
        """Link, address and WLAN changes as they happen."""


class FirewallPort(Protocol):
    """Where the firewall's ruleset is loaded (nftables on the board)."""

    async def load(self, ruleset: str) -> None:
        """Replace the loaded ruleset with ``ruleset`` (``nft -f`` syntax), atomically."""


class NetworkSimulator(Protocol):
    """Scripted cables for a simulated board (``sim.network.*`` on the bus)."""

    def set_link(self, interface: str, is_up: bool) -> None:
        """Plug or unplug an interface."""


class SnmpAgentPort(Protocol):
    """The SNMP agent (pysnmp on the board)."""

    async def apply(self, settings: SnmpSettings, v3_password: str | None, sys_name: str) -> None:
        """Restart the agent with ``settings`` (or stop it when SNMP is off).

        A community left out (``None``) is the manual's default (see ``with_communities``).
        """

    async def send_trap(self, trap: Trap, interface: str | None = None) -> None:
        """Send a v2c trap to the configured trap address."""

    def authentication_failures(self) -> AsyncIterator[str]:
        """The sender's address of each v1/v2c request with a community the agent does not know."""


class AnnouncerPort(Protocol):
    """Bonjour (mDNS/DNS-SD) announcement of the web interface."""

    async def apply(self, name: str | None, hostname: str, http_port: int) -> None:
        """Announce ``name`` for the web server, or withdraw it when ``name`` is None."""


class DiscoveryResponderPort(Protocol):
    """A discovery protocol that announces the device and answers searches (UPnP, WS-Discovery)."""

    async def apply(self, identity: DeviceIdentity | None) -> None:
        """Announce ``identity`` and answer searches for it, or say goodbye when it is None."""


class LldpPort(Protocol):
    """LLDP and CDP (lldpd on the board)."""

    async def apply(self, config: LldpConfig) -> None:
        """Announce as ``config`` says, or stay silent when it is off."""


class DnsUpdaterPort(Protocol):
    """Dynamic DNS updates (RFC 2136 on the board)."""

    async def register(self, wanted: DnsRegistration) -> None:
        """Point the name at the device's addresses."""
