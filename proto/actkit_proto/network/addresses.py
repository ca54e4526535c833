"""IPv4, IPv6, hostname and DNS."""

from __future__ import annotations

import ipaddress
from typing import ClassVar, Self

from pydantic import Field, model_validator

from actkit_proto.base import Command, Reply, Role
from actkit_proto.network.common import CUTS_OFF, DomainName, Hostname, SubnetMask


class Ipv4Settings(Reply):
    """Wired IPv4: DHCP or a static address; optionally a static fallback when DHCP is absent.

    The static fallback is configured with a limited (link) scope, as the manual says.
    """

    is_dhcp: bool = True
    address: ipaddress.IPv4Address | None = None
    subnet_mask: SubnetMask | None = None
    router: ipaddress.IPv4Address | None = None
    has_fallback: bool = False
    """With DHCP: use ``address``/``subnet_mask`` when no DHCP server answers."""

    @model_validator(mode="after")
    def _static_needs_an_address(self) -> Self:
        if not self.is_dhcp or self.has_fallback:
            if self.address is None or self.subnet_mask is None:
                why = "a static address" if not self.is_dhcp else "a static fallback"
                raise ValueError(f"{why} needs an IP address and a subnet mask")
            network = ipaddress.IPv4Network(f"{self.address}/{self.subnet_mask}", strict=False)
            if network.prefixlen < 31 and self.address in (
                network.network_address,
                network.broadcast_address,
            ):
                raise ValueError(f"{self.address} is the network or broadcast address of {network}")
            if self.router is not None and self.router not in network:
                raise ValueError(f"the router {self.router} is outside the subnet {network}")
        return self

    @property
    def prefix_length(self) -> int:
        """The subnet mask as a prefix length (24 for 255.255.255.0)."""
        assert self.subnet_mask is not None
        return bin(int(self.subnet_mask)).count("1")


class Ipv6Settings(Reply):
    """IPv6: on with automatic addresses (SLAAC/DHCPv6), or off."""

    is_auto: bool = True


class HostnameSettings(Reply):
    """Hostname (automatic from DHCP or manual) and dynamic DNS registration."""

    is_auto: bool = True
    hostname: Hostname = "w401"
    is_ddns_enabled: bool = False
    ddns_name: Hostname | None = None
    ddns_ttl_s: int = Field(default=30, ge=1, le=86_400, description="TTL of the DNS record.")

    @model_validator(mode="after")
    def _ddns_needs_a_name(self) -> Self:
        if self.is_ddns_enabled and self.ddns_name is None:
            raise ValueError("dynamic DNS updates need a DNS name to register")
        return self


class DnsSettings(Reply):
    """DNS servers and search domains, from DHCP or manual."""

    is_auto: bool = True
    servers: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = Field(
        default_factory=list, max_length=3
    )
    search_domains: list[DomainName] = Field(default_factory=list, max_length=6)

    @model_validator(mode="after")
    def _manual_needs_a_server(self) -> Self:
        if not self.is_auto and not self.servers:
            raise ValueError("manual DNS needs at least one DNS server")
        if len(set(self.servers)) != len(self.servers):
            raise ValueError("a DNS server is listed twice")
        return self


class GetIpv4(Command[Ipv4Settings]):
    """Read the wired IPv4 settings."""

    subject: ClassVar[str] = "network.ipv4.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetIpv4(Command[Ipv4Settings]):
    """Store and apply the wired IPv4 settings; answers with them as stored.

    A change of the method, address, subnet mask or router is refused (409) unless confirmed.
    """

    subject: ClassVar[str] = "network.ipv4.set"
    settings: Ipv4Settings
    confirm: bool = Field(default=False, description=CUTS_OFF)


class GetIpv6(Command[Ipv6Settings]):
    """Read the IPv6 settings."""

    subject: ClassVar[str] = "network.ipv6.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetIpv6(Command[Ipv6Settings]):
    """Store and apply the IPv6 settings; answers with them as stored."""

    subject: ClassVar[str] = "network.ipv6.set"
    settings: Ipv6Settings


class GetHostname(Command[HostnameSettings]):
    """Read the hostname and dynamic DNS settings."""

    subject: ClassVar[str] = "network.hostname.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetHostname(Command[HostnameSettings]):
    """Store and apply the hostname and dynamic DNS settings; answers with them as stored."""

    subject: ClassVar[str] = "network.hostname.set"
    settings: HostnameSettings


class GetDns(Command[DnsSettings]):
    """Read the DNS settings."""

    subject: ClassVar[str] = "network.dns.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetDns(Command[DnsSettings]):
    """Store and apply the DNS settings; answers with them as stored."""

    subject: ClassVar[str] = "network.dns.set"
    settings: DnsSettings
