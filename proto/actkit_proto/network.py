"""Messages of the network service: its settings groups (each a get/set pair) and link events.

Groups: IPv4, IPv6, hostname, DNS, HTTP access, discovery, O3C, SNMP, WLAN, 802.1X/MACsec and
the firewall.

Settings models are replies: ``Get*`` answers with the stored group, ``Set*`` carries a whole
group and answers with it as stored. Secrets are write-only: on read they come back ``None`` and
a ``has_*`` flag says whether one is set; on write, ``None`` keeps the stored secret.
"""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from typing import Annotated, ClassVar, Self

from pydantic import AfterValidator, Field, model_validator

from actkit_proto.base import Ack, Command, Event, Reply, Role, read_only, write_only

_LABEL = re.compile(r"^[A-Za-z0-9-]+$")
_HEX = re.compile(r"^[0-9A-Fa-f]*$")


def _check_label(value: str) -> str:
    if not _LABEL.match(value):
        raise ValueError("use only the characters A-Z, a-z, 0-9 and -")
    if value.startswith("-") or value.endswith("-"):
        raise ValueError("must not begin or end with -")
    return value


def _check_domain(value: str) -> str:
    labels = value.rstrip(".").split(".")
    if not value or len(value) > 253 or not all(labels):
        raise ValueError(f"{value!r} is not a domain name")
    for label in labels:
        if len(label) > 63 or not _LABEL.match(label) or label[0] == "-" or label[-1] == "-":
            raise ValueError(f"{value!r} is not a domain name: labels use A-Z, a-z, 0-9 and -")
    return value


def _check_host(value: str) -> str:
    """An IP address or a host name."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        _check_domain(value)
    return value


def _check_netmask(value: ipaddress.IPv4Address) -> ipaddress.IPv4Address:
    bits = int.from_bytes(value.packed, "big")  # int(value) warns when built from a bool
    inverted = ~bits & 0xFFFFFFFF
    if bits == 0 or inverted & (inverted + 1):
        raise ValueError(f"{value} is not a subnet mask, e.g. 255.255.255.0 (ones contiguous)")
    return value


def _check_firewall_address(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        raise ValueError(
            f"{value!r} is not an IPv4 or IPv6 address or CIDR network, e.g. 192.0.2.7, "
            "192.0.2.0/24 or 2001:db8::/32"
        ) from None


Hostname = Annotated[str, Field(min_length=1, max_length=63), AfterValidator(_check_label)]
DomainName = Annotated[str, AfterValidator(_check_domain)]
HostAddress = Annotated[str, Field(max_length=253), AfterValidator(_check_host)]
SubnetMask = Annotated[ipaddress.IPv4Address, AfterValidator(_check_netmask)]
PortNumber = Annotated[int, Field(ge=1, le=65535, description="A TCP/UDP port, 1-65535.")]
FriendlyName = Annotated[str, Field(min_length=1, max_length=63)]
Community = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[!-~]+$")]
Secret = Annotated[str, Field(min_length=1, max_length=256)]
FirewallAddress = Annotated[str, AfterValidator(_check_firewall_address)]


CUTS_OFF = (
    "Apply a change that may cut the device off the network it is reached on; without it such "
    "a change is refused, saying what it would cut."
)

# --- IPv4, IPv6, hostname, DNS ---------------------------------------------------------------


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


# --- HTTP and HTTPS --------------------------------------------------------------------------


class HttpAccess(StrEnum):
    """Which protocols the web server accepts."""

    HTTP = "http"
    HTTPS = "https"
    BOTH = "both"


class HttpSettings(Reply):
    """Web server access: protocols, ports and the HTTPS certificate.

    Ports are 80 (HTTP) or 443 (HTTPS) or 1024-65535; 1-1023 only for administrators, with a
    warning. The owner enforces the role; the model checks the range.
    """

    access: HttpAccess = HttpAccess.BOTH
    http_port: PortNumber = 80
    https_port: PortNumber = 443
    certificate: str | None = Field(default=None, max_length=128)
    """Name of the installed certificate HTTPS uses (accounts owns certificates)."""
    warnings: list[str] = read_only([])
    """Read only: what deserves attention in the stored settings (privileged ports)."""

    @model_validator(mode="after")
    def _ports_differ(self) -> Self:
        if self.http_port == self.https_port:
            raise ValueError(f"HTTP and HTTPS cannot both use port {self.http_port}")
        return self


class GetHttp(Command[HttpSettings]):
    """Read the HTTP/HTTPS access settings."""

    subject: ClassVar[str] = "network.http.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetHttp(Command[HttpSettings]):
    """Operators change the ports; the protocols and the certificate are an administrator's.

    Ports are the standard ones or 1024-65535; 1-1023 needs an administrator. The protocols
    allowed and the certificate belong to Security.

    A change of the protocols or ports is refused (409) unless confirmed.
    """

    subject: ClassVar[str] = "network.http.set"
    required_role: ClassVar[Role] = Role.OPERATOR
    settings: HttpSettings
    confirm: bool = Field(default=False, description=CUTS_OFF)


class HttpChanged(Event):
    """The web server's access in force: at the network service's start, on every set and restore.

    Kept in the KV bucket: the web service reads it at start and follows it, listening on these
    ports and allowing these protocols, so it never has to ask again.
    """

    subject: ClassVar[str] = "network.http.changed"
    stateful: ClassVar[bool] = True

    access: HttpAccess
    http_port: PortNumber
    https_port: PortNumber


# --- Discovery and O3C -----------------------------------------------------------------------


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


# --- SNMP ------------------------------------------------------------------------------------


class SnmpVersion(StrEnum):
    """v1 and v2c share communities and traps; v3 uses the ``initial`` account."""

    V1_V2C = "v1_v2c"
    V3 = "v3"


class SnmpTraps(Reply):
    """Which traps are sent when traps are on."""

    cold_start: bool = True
    link_up: bool = True
    link_down: bool = True
    authentication_failed: bool = True


class SnmpSettings(Reply):
    """The SNMP agent; traps are turned off when SNMP is off or v3 is chosen."""

    is_enabled: bool = False
    version: SnmpVersion = SnmpVersion.V1_V2C
    read_community: Community | None = write_only()
    """Write only; until one is set the agent uses ``public``."""
    has_read_community: bool = read_only(False)
    """Read only."""
    write_community: Community | None = write_only()
    """Write only; until one is set the agent uses ``write``."""
    has_write_community: bool = read_only(False)
    """Read only."""
    are_traps_enabled: bool = False
    trap_address: HostAddress | None = None
    trap_community: Community | None = write_only()
    """Write only; until one is set traps are sent with ``public``."""
    has_trap_community: bool = read_only(False)
    """Read only."""
    traps: SnmpTraps = Field(default_factory=SnmpTraps)
    has_v3_password: bool = read_only(False)
    """Read only: the ``initial`` account's password has been set (it can be set only once)."""

    @model_validator(mode="after")
    def _traps_need_an_address(self) -> Self:
        is_v2c_trapping = self.is_enabled and self.version is SnmpVersion.V1_V2C
        if self.are_traps_enabled and is_v2c_trapping and self.trap_address is None:
            raise ValueError("traps need a trap address (the management server)")
        return self


class GetSnmp(Command[SnmpSettings]):
    """Read the SNMP settings."""

    subject: ClassVar[str] = "network.snmp.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetSnmp(Command[SnmpSettings]):
    """Store and apply the SNMP settings; answers with them as stored."""

    subject: ClassVar[str] = "network.snmp.set"
    settings: SnmpSettings


class SetSnmpV3Password(Command[SnmpSettings]):
    """Set the password of the SNMP v3 account ``initial``; possible once until factory reset."""

    subject: ClassVar[str] = "network.snmp.v3-password.set"
    password: str = Field(min_length=8, max_length=64, description="At least 8 characters.")


# --- 802.1X and MACsec -----------------------------------------------------------------------


class Dot1xMethod(StrEnum):
    """How the device authenticates to the network switch."""

    EAP_TLS = "eap_tls"
    PEAP_MSCHAPV2 = "peap_mschapv2"
    MACSEC_PSK = "macsec_psk"
    """IEEE 802.1AE MACsec with a static CAK (pre-shared key)."""


def _check_ckn(value: str) -> str:
    if not (2 <= len(value) <= 64) or len(value) % 2 or not _HEX.match(value):
        raise ValueError("the CKN must be 2 to 64 hexadecimal characters, an even number of them")
    return value.lower()


def _check_cak(value: str) -> str:
    if len(value) not in (32, 64) or not _HEX.match(value):
        raise ValueError("the CAK must be 32 or 64 hexadecimal characters")
    return value.lower()


class Dot1xSettings(Reply):
    """IEEE 802.1X (EAP-TLS, PEAP-MSCHAPv2) and IEEE 802.1AE MACsec (static CAK)."""

    is_enabled: bool = False
    method: Dot1xMethod = Dot1xMethod.EAP_TLS
    client_certificate: str | None = Field(default=None, max_length=128)
    ca_certificates: list[str] = Field(default_factory=list)
    """Without CA certificates the server is not validated."""
    eap_identity: str | None = Field(default=None, min_length=1, max_length=128)
    eapol_version: int = Field(default=2, ge=1, le=3)
    password: Secret | None = write_only()
    has_password: bool = read_only(False)
    """Read only."""
    peap_version: int = Field(default=0, ge=0, le=1)
    peap_label: int = Field(default=1, ge=1, le=2)
    """1: client EAP encryption; 2: client PEAP encryption (PEAP version 1)."""
    ckn: Annotated[str, AfterValidator(_check_ckn)] | None = None
    cak: Annotated[str, AfterValidator(_check_cak)] | None = write_only()
    """Write only."""
    has_cak: bool = read_only(False)
    """Read only."""

    @model_validator(mode="after")
    def _method_has_its_fields(self) -> Self:
        if not self.is_enabled:
            return self
        if self.method is Dot1xMethod.EAP_TLS:
            if self.client_certificate is None or self.eap_identity is None:
                raise ValueError("EAP-TLS needs a client certificate and an EAP identity")
        elif self.method is Dot1xMethod.PEAP_MSCHAPV2:
            if self.eap_identity is None:
                raise ValueError("PEAP-MSCHAPv2 needs an EAP identity")
        elif self.ckn is None:
            raise ValueError("MACsec needs a CKN (connectivity association key name)")
        return self


class GetDot1x(Command[Dot1xSettings]):
    """Read the 802.1X/MACsec settings."""

    subject: ClassVar[str] = "network.dot1x.get"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class SetDot1x(Command[Dot1xSettings]):
    """Store and apply the 802.1X/MACsec settings; answers with them as stored."""

    subject: ClassVar[str] = "network.dot1x.set"
    settings: Dot1xSettings


# --- WLAN ------------------------------------------------------------------------------------


class WlanSecurity(StrEnum):
    """Security of a wireless network."""

    OPEN = "open"
    WPA2_PSK = "wpa2_psk"
    WPA3_SAE = "wpa3_sae"
    WPA2_ENTERPRISE = "wpa2_enterprise"


class WlanNetworkSeen(Reply):
    """A wireless network found by a scan."""

    ssid: str
    signal_percent: int = Field(ge=0, le=100)
    channel: int = Field(ge=0)
    security: WlanSecurity


class WlanScan(Reply):
    """The wireless networks in range, strongest first."""

    networks: list[WlanNetworkSeen]


class ScanWlan(Command[WlanScan]):
    """Refresh the list of wireless networks in range."""

    subject: ClassVar[str] = "network.wlan.scan"
    required_role: ClassVar[Role] = Role.VIEWER


class WlanSettings(Reply):
    """The wireless network to join when the cable is unplugged (ethernet is preferred)."""

    ssid: str | None = Field(default=None, min_length=1, max_length=32)
    """``None``: no wireless network configured."""
    is_hidden: bool = False
    security: WlanSecurity = WlanSecurity.WPA2_PSK
    passphrase: str | None = write_only(min_length=8, max_length=63)
    """Write only."""
    has_passphrase: bool = read_only(False)
    """Read only."""
    ipv4: Ipv4Settings = Field(default_factory=Ipv4Settings)
    ipv6: Ipv6Settings = Field(default_factory=Ipv6Settings)


class GetWlan(Command[WlanSettings]):
    """Read the WLAN settings."""

    subject: ClassVar[str] = "network.wlan.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetWlan(Command[WlanSettings]):
    """Store and apply the WLAN settings; answers with them as stored."""

    subject: ClassVar[str] = "network.wlan.set"
    settings: WlanSettings


# --- Firewall --------------------------------------------------------------------------------

MAX_FIREWALL_RULES = 256
"""The most rules the firewall holds, active or under test."""


class FirewallPolicy(StrEnum):
    """Whether connections are let in or dropped."""

    ALLOW = "allow"
    DENY = "deny"


class FirewallProtocol(StrEnum):
    """What a rule matches; ``any`` matches every protocol (and then takes no port)."""

    TCP = "tcp"
    UDP = "udp"
    ANY = "any"


class FirewallRule(Reply):
    """An exception to the default policy for connections to the device."""

    address: FirewallAddress | None = None
    """Source address, IPv4/IPv6 or CIDR; ``None`` matches every address."""
    protocol: FirewallProtocol = FirewallProtocol.ANY
    port: PortNumber | None = None
    policy: FirewallPolicy = FirewallPolicy.ALLOW

    @model_validator(mode="after")
    def _port_needs_a_protocol(self) -> Self:
        if self.port is not None and self.protocol is FirewallProtocol.ANY:
            raise ValueError("a port needs the protocol TCP or UDP")
        if self.address is None and self.port is None and self.protocol is FirewallProtocol.ANY:
            raise ValueError("a rule needs an address, a protocol or a port to match")
        return self


class Firewall(Reply):
    """The firewall as the manual shows it: active and pending rules and a test in progress."""

    is_active: bool = False
    default_policy: FirewallPolicy = FirewallPolicy.ALLOW
    active_rules: list[FirewallRule] = Field(default_factory=list)
    """In force now, including rules under test."""
    pending_rules: list[FirewallRule] = Field(default_factory=list)
    """Tested rules whose time ran out unconfirmed; confirm them to make them active."""
    test_deadline: float | None = None
    """While rules are under test: when they revert unless confirmed (Unix time, seconds)."""


class GetFirewall(Command[Firewall]):
    """Read the firewall: its switch, default policy, active and pending rules."""

    subject: ClassVar[str] = "network.firewall.get"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class SetFirewall(Command[Firewall]):
    """Turn the firewall on or off and choose the default policy.

    Turning on a firewall that denies by default is refused (409) unless confirmed.
    """

    subject: ClassVar[str] = "network.firewall.set"
    is_active: bool
    default_policy: FirewallPolicy
    confirm: bool = Field(default=False, description=CUTS_OFF)


class AddFirewallRules(Command[Firewall]):
    """Add rules: they replace the active rules, and revert after ``time_limit_s`` unless confirmed.

    A time limit of 0 activates them straight away.
    """

    subject: ClassVar[str] = "network.firewall.rules.add"
    rules: list[FirewallRule] = Field(max_length=MAX_FIREWALL_RULES)
    time_limit_s: int = Field(default=300, ge=0, le=86_400)


class AddFirewallRule(Command[Firewall]):
    """Add one rule after the active ones, which are tested with it (the manual's Add rule).

    The owner appends it to the rules in force at that moment, so two people adding rules at
    once both get theirs. With a time limit the active rules and the new one revert after
    ``time_limit_s`` unless confirmed; 0 activates them straight away. Refused (409) while other
    rules are under test, or when the firewall holds :data:`MAX_FIREWALL_RULES` already.
    """

    subject: ClassVar[str] = "network.firewall.rule.add"
    rule: FirewallRule
    time_limit_s: int = Field(default=300, ge=0, le=86_400)


class ConfirmFirewallRules(Command[Firewall]):
    """Keep the rules under test, or activate the pending rules."""

    subject: ClassVar[str] = "network.firewall.rules.confirm"


class DeleteFirewallRule(Command[Firewall]):
    """Delete one active rule by its position in ``active_rules`` (from 0)."""

    subject: ClassVar[str] = "network.firewall.rule.delete"
    index: int = Field(ge=0)


class DeleteFirewallRules(Command[Firewall]):
    """Delete every rule, pending and active; a test in progress ends."""

    subject: ClassVar[str] = "network.firewall.rules.delete"


class FirewallReverted(Event):
    """Rules under test were not confirmed in time; the previous rules are back."""

    subject: ClassVar[str] = "network.firewall.reverted"
    pending_rules: list[FirewallRule]


# --- Status and events -----------------------------------------------------------------------


class InterfaceStatus(Reply):
    """What an interface has now."""

    interface: str
    is_up: bool
    is_wireless: bool = False
    addresses: list[str] = Field(default_factory=list)
    """Addresses with prefix, e.g. ``192.0.2.10/24``."""
    ssid: str | None = None


class NetworkStatus(Reply):
    """The hostname in use and every interface's link and addresses."""

    hostname: str
    interfaces: list[InterfaceStatus]


class GetNetworkStatus(Command[NetworkStatus]):
    """Read what the interfaces have now."""

    subject: ClassVar[str] = "network.status.get"
    required_role: ClassVar[Role] = Role.VIEWER


_Interface = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]{1,15}$")]


class LinkChanged(Event):
    """An interface's link went up or down."""

    subject: ClassVar[str] = "network.link.{interface}.changed"
    stateful: ClassVar[bool] = True
    interface: _Interface
    is_up: bool


class AddressChanged(Event):
    """An interface's addresses changed."""

    subject: ClassVar[str] = "network.address.{interface}.changed"
    stateful: ClassVar[bool] = True
    interface: _Interface
    addresses: list[str]


class WlanConnected(Event):
    """The device joined a wireless network."""

    subject: ClassVar[str] = "network.wlan.connected"
    interface: _Interface
    ssid: str


class WlanDisconnected(Event):
    """The device left its wireless network."""

    subject: ClassVar[str] = "network.wlan.disconnected"
    interface: _Interface
    ssid: str | None = None


class SimulateLink(Command[Ack]):
    """Simulator: plug or unplug an interface's cable (or lose the wireless network)."""

    subject: ClassVar[str] = "sim.network.link.{interface}.set"
    required_role: ClassVar[Role] = Role.OPERATOR
    interface: _Interface
    is_up: bool
