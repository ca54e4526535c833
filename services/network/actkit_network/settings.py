"""Settings of the network service (``ACTKIT_NETWORK_*``)."""

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from actkit_core.settings import ServiceSettings


class NetworkSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_NETWORK_", extra="ignore")
    service: ClassVar[str] = "network"

    integrator_password: SecretStr | None = None
    """The ``integrator`` user's password: the cloud connection's agent sends HQ's queued
    commands as the integrator (at most its role). Unset: queued commands wait on the device."""
    adapter: Literal["sim", "networkmanager"] = "sim"
    """``networkmanager`` drives NetworkManager over D-Bus and nftables; ``sim`` records only."""
    dbus_address: str | None = None
    """The system bus to reach NetworkManager on; ``None`` is the default system bus."""
    nft_command: list[str] = Field(default_factory=lambda: ["nft"])
    """How nft is started, e.g. ``["ip", "netns", "exec", "lab", "nft"]``."""
    snmp_port: int = 161
    bonjour_interfaces: list[str] | None = None
    """Addresses Bonjour announces on; ``None`` is every interface."""
    wired_interface: str = "eth0"
    device_name: str = "AXIS W401"
    """Default friendly names for discovery are this and the MAC address (the system service's)."""
    identity_retry_min_s: float = 0.5
    identity_retry_max_s: float = 10.0
    """While the system service does not tell the device's identity, it is asked again after
    ``identity_retry_min_s``, doubling up to this."""
    discovery_address: str | None = None
    """The IPv4 address UPnP and WS-Discovery announce and serve on; ``None`` follows the
    interfaces (the first IPv4 address of an interface that is up)."""
    ssdp_group: str = "239.255.255.250"
    ssdp_port: int = 1900
    """UDP port of SSDP (UPnP discovery); another one in tests."""
    upnp_http_port: int = 49152
    """TCP port the UPnP device description is served on; 0 picks a free one."""
    ws_discovery_group: str = "239.255.255.250"
    ws_discovery_port: int = 3702
    is_sim_ws_discovery_real: bool = False
    """With the sim adapter, answer WS-Discovery Probes for real, on ``discovery_address`` and
    ``ws_discovery_port`` (cross-service tests discover the stack's ONVIF service on loopback)."""
    lldpd_config: str = "/etc/lldpd.d/actkit.conf"
    """The lldpd configuration file written for LLDP/CDP (lldpd reads lldpd.d/ at start)."""
    lldpcli_command: list[str] = Field(default_factory=lambda: ["lldpcli"])
    """How lldpcli is started, e.g. ``["lldpcli", "-u", "/run/lldpd.socket"]``."""
    ddns_port: int = 53
    """Port of the DNS server dynamic DNS updates go to."""
    fleet_conf_dir: Path | None = None
    """The folder of nats-server's configuration, where the cloud connection writes the fleet
    include files (``fleet.conf``, ``fleet-account.conf``); ``None``: ``data_dir``, as
    ``actkit run`` writes it. Written only where ``fleet.conf`` is already (the configuration
    includes it)."""
    nats_ports_dir: Path | None = None
    """nats-server's ports file folder (its pid, to reload it); ``None``:
    ``<data_dir>/nats/ports``, as ``actkit run`` starts it."""
