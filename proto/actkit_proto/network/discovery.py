"""Discovery protocols and the one-click cloud connection (O3C)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Self

from pydantic import Field, model_validator

from actkit_proto.base import Command, Reply, Role, read_only, write_only
from actkit_proto.network.common import FriendlyName, HostAddress, PortNumber, Secret

LeafUrl = Annotated[
    str,
    Field(
        max_length=255,
        pattern=r"^(nats-leaf|tls|ws|wss)://[A-Za-z0-9.\-\[\]:]+(/[^\s\"]*)?$",
        description="nats-leaf://, tls://, ws:// or wss:// and host[:port]",
    ),
]
NkeySeed = Annotated[str, Field(pattern=r"^SU[A-Z2-7]{56}$", description="SU… (58 characters)")]
StoreId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]


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
    """One-click cloud connection: actkit's own link to its fleet's HQ, and its proxy.

    Not Axis' O3C service: the device's nats-server becomes a leaf node of HQ's cluster (see
    ``actkit_proto.fleet``), with the device's serial as its JetStream domain.
    """

    mode: O3cMode = O3cMode.ONE_CLICK
    hq_urls: list[LeafUrl] = Field(default_factory=list, max_length=8)
    """HQ's leaf addresses, tried in turn: ``tls://hq.example:7422`` (mTLS), or
    ``wss://hq.example:443`` through HQ's WebSocket listener."""
    nkey_seed: NkeySeed | None = write_only()
    """The device's credential at HQ: the user nkey seed HQ made when it registered the device."""
    has_nkey_seed: bool = read_only(False)
    """Read only."""
    client_certificate: StoreId | None = None
    """The device's client certificate for mTLS, from the certificate store (with its key)."""
    ca_certificate: StoreId | None = None
    """The CA that signed HQ's certificate, from the certificate store."""
    proxy_host: HostAddress | None = None
    proxy_port: PortNumber | None = None
    proxy_login: str | None = Field(default=None, min_length=1, max_length=128)
    proxy_password: Secret | None = write_only()
    has_proxy_password: bool = read_only(False)
    """Read only."""
    proxy_auth: ProxyAuth = ProxyAuth.AUTO
    """The link's proxy (an HTTP ``CONNECT`` tunnel for every leaf transport) authenticates with
    Basic: ``digest`` is refused with a login."""

    @model_validator(mode="after")
    def _proxy_is_whole(self) -> Self:
        if (self.proxy_host is None) != (self.proxy_port is None):
            raise ValueError("a proxy needs both a host and a port")
        if self.proxy_host is None and self.proxy_login is not None:
            raise ValueError("a proxy login needs a proxy host and port")
        return self

    @model_validator(mode="after")
    def _link_is_whole(self) -> Self:
        if (self.client_certificate is None) != (self.ca_certificate is None):
            raise ValueError("mTLS needs both the client certificate and HQ's CA certificate")
        is_wss = any(url.startswith("wss://") for url in self.hq_urls)
        if self.proxy_host is not None and is_wss and self.client_certificate is None:
            raise ValueError(
                "hq_urls: through a proxy, a wss:// address needs the client and CA certificates"
            )
        if self.proxy_login is not None and self.proxy_auth is ProxyAuth.DIGEST:
            raise ValueError("proxy_auth: the link to HQ authenticates to a proxy with Basic only")
        return self


class GetO3c(Command[O3cSettings]):
    """Read the O3C settings."""

    subject: ClassVar[str] = "network.o3c.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetO3c(Command[O3cSettings]):
    """Store and apply the O3C settings; answers with them as stored."""

    subject: ClassVar[str] = "network.o3c.set"
    settings: O3cSettings
