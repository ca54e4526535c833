"""What the network service's handlers work with: its store, the bus and the system's ports."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from actkit_core.bus import Publisher
from actkit_core.clock import Clock, SystemClock
from actkit_core.fleetagent import QueuedCommandAgent
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
    serial_number: str | None = None
    """The device's serial, as the system service tells it: its vehicle id at HQ."""

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
class CloudLink:
    """Where the cloud connection's link to HQ is written, and who makes its streams."""

    conf_dir: Path
    """The folder of nats-server's configuration, whose fleet include files network writes."""
    ports_dir: Path
    """nats-server's ports file folder: its pid, to reload it."""
    certificate_dir: Path
    """Where accounts writes the files of the certificates the link uses."""
    prepare_streams: Callable[[str], Awaitable[None]]
    """Make the vehicle's events stream, HQ's consumer of it and the commands stream."""
    agent: QueuedCommandAgent | None = None
    """Runs HQ's queued commands while linked; None without the integrator's password."""


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
    cloud: CloudLink | None = None
    """``None``: the link to HQ is not written (unit tests), only its state kept."""
    o3c_changed: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when the cloud connection's settings or claim changed, to wake its timer."""

    @property
    def default_name(self) -> str:
        """The discovery protocols' default friendly name."""
        return self.device.default_name
