"""A simulated board network: records what would be applied and reports plausible state."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from actkit_network.domain.ddns import DnsRegistration
from actkit_network.domain.discovery import DeviceIdentity, LldpConfig
from actkit_network.domain.snmp import Trap, with_communities
from actkit_network.ports import NetworkEvent
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
    WlanSecurity,
    WlanSettings,
)

WIRED = "eth0"
WIRELESS = "wlan0"
_DHCP_ADDRESS = "192.168.0.90/24"
_LINK_LOCAL = "169.254.23.90/16"

_NETWORKS_IN_RANGE = (
    WlanNetworkSeen(ssid="depot", signal_percent=82, channel=6, security=WlanSecurity.WPA2_PSK),
    WlanNetworkSeen(
        ssid="patrol-5g", signal_percent=64, channel=36, security=WlanSecurity.WPA3_SAE
    ),
    WlanNetworkSeen(ssid="guest", signal_percent=31, channel=11, security=WlanSecurity.OPEN),
)


def _addresses(ipv4: Ipv4Settings, has_dhcp_server: bool) -> list[str]:
    if not ipv4.is_dhcp:
        return [f"{ipv4.address}/{ipv4.prefix_length}"]
    if has_dhcp_server:
        return [_DHCP_ADDRESS]
    if ipv4.has_fallback:
        return [f"{ipv4.address}/{ipv4.prefix_length}"]
    return [_LINK_LOCAL]


class SimNetwork:
    """In-memory network: the cable is plugged in and a DHCP server answers, until told otherwise.

    Ethernet is preferred; the configured WLAN is joined when the cable is unplugged.

    >>> import asyncio
    >>> sim = SimNetwork()
    >>> asyncio.run(sim.apply_wired(Ipv4Settings(is_dhcp=False, address="192.0.2.10",
    ...     subnet_mask="255.255.255.0"), Ipv6Settings(), DnsSettings(), Dot1xSettings()))
    >>> asyncio.run(sim.interfaces())[0].addresses
    ['192.0.2.10/24']
    """

    def __init__(self, has_dhcp_server: bool = True) -> None:
        self.applied: list[tuple[str, object]] = []
        """Everything applied, in order, as (what, settings)."""
        self.has_dhcp_server = has_dhcp_server
        self._ipv4 = Ipv4Settings()
        self._wlan = WlanSettings()
        self._hostname = "w401"
        self._links = {WIRED: True, WIRELESS: False}
        self._events: asyncio.Queue[NetworkEvent] = asyncio.Queue()

    async def apply_wired(
        self, ipv4: Ipv4Settings, ipv6: Ipv6Settings, dns: DnsSettings, dot1x: Dot1xSettings
    ) -> None:
        """Record the settings; a new address is reported as a real interface would."""
        self.applied.append(("wired", (ipv4, ipv6, dns, dot1x)))
        before = _addresses(self._ipv4, self.has_dhcp_server)
        self._ipv4 = ipv4
        after = _addresses(ipv4, self.has_dhcp_server)
        if after != before and self._links[WIRED]:
            self._events.put_nowait(AddressChanged(interface=WIRED, addresses=after))

    async def apply_hostname(self, hostname: str | None) -> None:
        """Record the hostname; DHCP would assign ``w401``."""
        self.applied.append(("hostname", hostname))
        self._hostname = hostname or "w401"

    async def apply_wlan(self, settings: WlanSettings) -> None:
        """Record the wireless network."""
        self.applied.append(("wlan", settings))
        self._wlan = settings

    async def scan_wlan(self) -> list[WlanNetworkSeen]:
        """A fixed neighbourhood of three networks."""
        return list(_NETWORKS_IN_RANGE)

    async def interfaces(self) -> list[InterfaceStatus]:
        """The wired interface, and the wireless one when it is in use."""
        wired = InterfaceStatus(
            interface=WIRED,
            is_up=self._links[WIRED],
            addresses=_addresses(self._ipv4, self.has_dhcp_server) if self._links[WIRED] else [],
        )
        wireless = InterfaceStatus(
            interface=WIRELESS,
            is_up=self._links[WIRELESS],
            is_wireless=True,
            addresses=[_DHCP_ADDRESS] if self._links[WIRELESS] else [],
            ssid=self._wlan.ssid if self._links[WIRELESS] else None,
        )
        return [wired, wireless]

    async def hostname(self) -> str:
        """The hostname last applied."""
        return self._hostname

    def set_link(self, interface: str, is_up: bool) -> None:
        """Plug or unplug a cable; unplugging ethernet joins the configured WLAN, if any."""
        if self._links.get(interface) == is_up:
            return
        self._links[interface] = is_up
        self._events.put_nowait(LinkChanged(interface=interface, is_up=is_up))
        if interface == WIRED and self._wlan.ssid is not None:
            self._links[WIRELESS] = not is_up
            self._events.put_nowait(LinkChanged(interface=WIRELESS, is_up=not is_up))
            if is_up:
                self._events.put_nowait(WlanDisconnected(interface=WIRELESS, ssid=self._wlan.ssid))
            else:
                self._events.put_nowait(WlanConnected(interface=WIRELESS, ssid=self._wlan.ssid))

    async def events(self) -> AsyncIterator[NetworkEvent]:
        """Changes in the order they happened."""
        while True:
            yield await self._events.get()


class SimFirewall:
    """Keeps the rulesets it was given, newest last."""

    def __init__(self) -> None:
        self.loaded: list[str] = []

    async def load(self, ruleset: str) -> None:
        """Remember the ruleset as loaded."""
        self.loaded.append(ruleset)


class SimSnmpAgent:
    """Remembers the agent's settings and the traps it would have sent."""

    def __init__(self) -> None:
        self.settings = with_communities(SnmpSettings())
        self.sys_name = ""
        self.traps: list[tuple[Trap, str | None]] = []
        self.trapped = asyncio.Event()
        """Set each time a trap is sent (a test clears it to wait for the next)."""
        self._failures: asyncio.Queue[str] = asyncio.Queue()

    async def apply(self, settings: SnmpSettings, v3_password: str | None, sys_name: str) -> None:
        """Keep the settings (the v3 password is never kept in memory here)."""
        del v3_password
        self.settings, self.sys_name = with_communities(settings), sys_name

    async def send_trap(self, trap: Trap, interface: str | None = None) -> None:
        """Record the trap."""
        self.traps.append((trap, interface))
        self.trapped.set()

    def receive(self, community: str, sender: str = "192.0.2.50") -> None:
        """A v1/v2c request arrives; one with an unknown community is an authentication failure."""
        known = (self.settings.read_community, self.settings.write_community)
        if self.settings.is_enabled and community not in known:
            self._failures.put_nowait(sender)

    async def authentication_failures(self) -> AsyncIterator[str]:
        """Senders of requests refused for their community, in order."""
        while True:
            yield await self._failures.get()


class SimAnnouncer:
    """Remembers what Bonjour would announce."""

    def __init__(self) -> None:
        self.announced: tuple[str, str, int] | None = None

    async def apply(self, name: str | None, hostname: str, http_port: int) -> None:
        """Keep (name, hostname, port), or None when withdrawn."""
        self.announced = None if name is None else (name, hostname, http_port)


class SimResponder:
    """Remembers the identity a discovery protocol would announce (None: silent)."""

    def __init__(self) -> None:
        self.announced: DeviceIdentity | None = None

    async def apply(self, identity: DeviceIdentity | None) -> None:
        """Keep the identity."""
        self.announced = identity


class SimLldp:
    """Remembers the LLDP/CDP configuration lldpd would be given."""

    def __init__(self) -> None:
        self.config: LldpConfig | None = None

    async def apply(self, config: LldpConfig) -> None:
        """Keep the configuration."""
        self.config = config


class SimDnsUpdater:
    """Remembers every dynamic DNS update it was asked to send."""

    def __init__(self) -> None:
        self.registered: list[DnsRegistration] = []

    async def register(self, wanted: DnsRegistration) -> None:
        """Record the update."""
        self.registered.append(wanted)
