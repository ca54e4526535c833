"""Discovery protocols and the one-click cloud connection (O3C)."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Self

from pydantic import Field, model_validator

from actkit_proto.base import Command, Reply, Role, read_only, write_only
from actkit_proto.network.common import FriendlyName, HostAddress, PortNumber, Secret


class DiscoverySettings(Reply):
    """Network discovery protocols; names default to the device name and MAC address."""

    is_bonjour_enabled: bool = True
    bonjour_name: FriendlyName | None = None
    """``None`` uses the default name (device name and MAC address)."""
    is_upnp_enabled: bool = True
    upnp_name: FriendlyName | None = None
    is_ws_discovery_enabled: bool = True
    is_lldp_enabled: bool = True
    """LLDP and CDP; turning them off can impact PoE power negotiation."""


class GetDiscovery(Command[DiscoverySettings]):
    """The stored settings, with each default name filled in."""

    subject: ClassVar[str] = "network.discovery.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetDiscovery(Command[DiscoverySettings]):
    """Store and apply the discovery settings; answers with them as stored."""

    subject: ClassVar[str] = "network.discovery.set"
    settings: DiscoverySettings


class O3cMode(StrEnum):
    """When the device connects to an O3C service."""

    ONE_CLICK = "one_click"
    ALWAYS = "always"
    NO = "no"


class ProxyAuth(StrEnum):
    """HTTP authentication towards the proxy; ``auto`` prefers Digest over Basic."""

    BASIC = "basic"
    DIGEST = "digest"
    AUTO = "auto"


class O3cSettings(Reply):
    """One-click cloud connection and its proxy."""

    mode: O3cMode = O3cMode.ONE_CLICK
    proxy_host: HostAddress | None = None
    proxy_port: PortNumber | None = None
    proxy_login: str | None = Field(default=None, min_length=1, max_length=128)
    proxy_password: Secret | None = write_only()
    has_proxy_password: bool = read_only(False)
    """Read only."""
    proxy_auth: ProxyAuth = ProxyAuth.AUTO

    @model_validator(mode="after")
    def _proxy_is_whole(self) -> Self:
        if (self.proxy_host is None) != (self.proxy_port is None):
            raise ValueError("a proxy needs both a host and a port")
        if self.proxy_host is None and self.proxy_login is not None:
            raise ValueError("a proxy login needs a proxy host and port")
        return self


class GetO3c(Command[O3cSettings]):
    """Read the O3C settings."""

    subject: ClassVar[str] = "network.o3c.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetO3c(Command[O3cSettings]):
    """Store and apply the O3C settings; answers with them as stored."""

    subject: ClassVar[str] = "network.o3c.set"
    settings: O3cSettings
