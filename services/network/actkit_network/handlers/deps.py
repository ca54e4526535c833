"""What the network service's handlers work with: its store, the bus and the system's ports."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from actkit_core.bus import Publisher
from actkit_core.clock import Clock, SystemClock
from actkit_network.domain.settings import default_friendly_name
from actkit_network.ports import (
    AnnouncerPort,
    DiscoveryResponderPort,
    DnsUpdaterPort,
    FirewallPort,
    LldpPort,
    NetworkPort,
    NetworkSimulator,
    SnmpAgentPort,
)
from actkit_network.store import SettingsStore


@dataclass
class Device:
    """Facts about the device the discovery protocols announce."""

    name: str
    """The model name, e.g. ``AXIS W401``."""
    mac_address: str | None = None
    """The device's MAC address, as the system service tells it; ``None`` until it has."""
    interface: str = "eth0"
    """The wired interface, where LLDP and CDP speak."""
    address: str | None = None
    """The address UPnP and WS-Discovery announce; ``None`` follows the interfaces' IPv4."""

    @property
    def default_name(self) -> str:
        """The discovery protocols' default friendly name (device name and MAC address)."""
        if self.mac_address is None:
            return self.name
        return default_friendly_name(self.name, self.mac_address)


@dataclass(frozen=True)
class Discovery:
    """The discovery protocols beside Bonjour."""

    upnp: DiscoveryResponderPort
    ws_discovery: DiscoveryResponderPort
    lldp: LldpPort


@dataclass(frozen=True)
class Deps:
    store: SettingsStore
    bus: Publisher
    network: NetworkPort
    firewall: FirewallPort
    snmp: SnmpAgentPort
    announcer: AnnouncerPort
    discovery: Discovery
    device: Device
    ddns: DnsUpdaterPort
    simulator: NetworkSimulator | None = None
    clock: Clock = field(default_factory=SystemClock)
    """Its wall time: a test deadline must survive a restart."""
    firewall_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    firewall_changed: asyncio.Event = field(default_factory=asyncio.Event)
    """Set whenever the test deadline may have moved, to wake the revert timer."""

    @property
    def default_name(self) -> str:
        """The discovery protocols' default friendly name."""
        return self.device.default_name
