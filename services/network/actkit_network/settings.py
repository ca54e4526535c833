"""Settings of the network service (``ACTKIT_NETWORK_*``)."""

from typing import ClassVar, Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from actkit_core.settings import ServiceSettings


class NetworkSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_NETWORK_", extra="ignore")
    service: ClassVar[str] = "network"

    adapter: Literal["sim", "networkmanager"] = "sim"
    """``networkmanager`` drives NetworkManager over D-Bus and nftables; ``sim`` records only."""
    dbus_address: str | None = None
    """The system bus to reach NetworkManager on; ``None`` is the default system bus."""
    nft_command: list[str] = Field(default_factory=lambda: ["nft"])
    """How nft is started, e.g. ``["ip", "netns", "exec", "lab", "nft"]``."""
    certificate_dir: str = "/var/lib/actkit/certificates"
    """Where installed certificates are, as ``<name>.pem`` (and client keys ``<name>.key``)."""
    snmp_port: int = 161
    bonjour_interfaces: list[str] | None = None
    """Addresses Bonjour announces on; ``None`` is every interface."""
    wired_interface: str = "eth0"
    device_name: str = "AXIS W401"
    """Default friendly names for discovery are this and the MAC address."""
    mac_address: str = "AC:CC:8E:00:00:01"
