"""Messages of the network service: its settings groups (each a get/set pair) and link events.

Groups: IPv4, IPv6, hostname, DNS, HTTP access, discovery, O3C, SNMP, WLAN, 802.1X/MACsec and
the firewall.

Settings models are replies: ``Get*`` answers with the stored group, ``Set*`` carries a whole
group and answers with it as stored. Secrets are write-only: a reply leaves them out and a
``has_*`` flag says whether one is set; a set that leaves one out (or ``None``) keeps it.

One module per group: ``addresses`` (IPv4, IPv6, hostname, DNS), ``http``, ``discovery`` (and
O3C's settings), ``o3c`` (its state, HQ's claim), ``snmp``, ``dot1x``, ``wlan``, ``firewall`` and
``status``; ``common`` holds the names, addresses and checks they share. Import from here: every
message is re-exported.
"""

from __future__ import annotations

from actkit_proto.network.addresses import (
    DnsSettings,
    GetDns,
    GetHostname,
    GetIpv4,
    GetIpv6,
    HostnameSettings,
    Ipv4Settings,
    Ipv6Settings,
    SetDns,
    SetHostname,
    SetIpv4,
    SetIpv6,
)
from actkit_proto.network.common import (
    CUTS_OFF,
    Community,
    DomainName,
    FirewallAddress,
    FriendlyName,
    HostAddress,
    Hostname,
    PortNumber,
    Secret,
    SubnetMask,
)
from actkit_proto.network.discovery import (
    DiscoverySettings,
    GetDiscovery,
    GetO3c,
    O3cMode,
    O3cSettings,
    ProxyAuth,
    SetDiscovery,
    SetO3c,
)
from actkit_proto.network.dot1x import (
    Dot1xMethod,
    Dot1xSettings,
    GetDot1x,
    SetDot1x,
)
from actkit_proto.network.firewall import (
    MAX_FIREWALL_RULES,
    AddFirewallRule,
    AddFirewallRules,
    ConfirmFirewallRules,
    DeleteFirewallRule,
    DeleteFirewallRules,
    Firewall,
    FirewallPolicy,
    FirewallProtocol,
    FirewallReverted,
    FirewallRule,
    GetFirewall,
    SetFirewall,
)
from actkit_proto.network.http import (
    GetHttp,
    HttpAccess,
    HttpChanged,
    HttpSettings,
    SetHttp,
)
from actkit_proto.network.o3c import CLAIM_WINDOW_S, ClaimO3c, GetO3cStatus, O3cStatus
from actkit_proto.network.snmp import (
    GetSnmp,
    SetSnmp,
    SetSnmpV3Password,
    SnmpSettings,
    SnmpTraps,
    SnmpVersion,
)
from actkit_proto.network.status import (
    AddressChanged,
    GetNetworkStatus,
    InterfaceStatus,
    LinkChanged,
    NetworkStatus,
    SimulateLink,
    WlanConnected,
    WlanDisconnected,
)
from actkit_proto.network.wlan import (
    GetWlan,
    ScanWlan,
    SetWlan,
    WlanEapMethod,
    WlanNetworkSeen,
    WlanScan,
    WlanSecurity,
    WlanSettings,
)

__all__ = [
    "CLAIM_WINDOW_S",
    "CUTS_OFF",
    "MAX_FIREWALL_RULES",
    "AddFirewallRule",
    "AddFirewallRules",
    "AddressChanged",
    "ClaimO3c",
    "Community",
    "ConfirmFirewallRules",
    "DeleteFirewallRule",
    "DeleteFirewallRules",
    "DiscoverySettings",
    "DnsSettings",
    "DomainName",
    "Dot1xMethod",
    "Dot1xSettings",
    "Firewall",
    "FirewallAddress",
    "FirewallPolicy",
    "FirewallProtocol",
    "FirewallReverted",
    "FirewallRule",
    "FriendlyName",
    "GetDiscovery",
    "GetDns",
    "GetDot1x",
    "GetFirewall",
    "GetHostname",
    "GetHttp",
    "GetIpv4",
    "GetIpv6",
    "GetNetworkStatus",
    "GetO3c",
    "GetO3cStatus",
    "GetSnmp",
    "GetWlan",
    "HostAddress",
    "Hostname",
    "HostnameSettings",
    "HttpAccess",
    "HttpChanged",
    "HttpSettings",
    "InterfaceStatus",
    "Ipv4Settings",
    "Ipv6Settings",
    "LinkChanged",
    "NetworkStatus",
    "O3cMode",
    "O3cSettings",
    "O3cStatus",
    "PortNumber",
    "ProxyAuth",
    "ScanWlan",
    "Secret",
    "SetDiscovery",
    "SetDns",
    "SetDot1x",
    "SetFirewall",
    "SetHostname",
    "SetHttp",
    "SetIpv4",
    "SetIpv6",
    "SetO3c",
    "SetSnmp",
    "SetSnmpV3Password",
    "SetWlan",
    "SimulateLink",
    "SnmpSettings",
    "SnmpTraps",
    "SnmpVersion",
    "SubnetMask",
    "WlanConnected",
    "WlanDisconnected",
    "WlanEapMethod",
    "WlanNetworkSeen",
    "WlanScan",
    "WlanSecurity",
    "WlanSettings",
]
