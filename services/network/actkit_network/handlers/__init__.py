"""The network service's handler table: one module per subject family beside this one."""

from __future__ import annotations

from actkit_core.bus import Handlers
from actkit_core.params import parameter_handlers
from actkit_network.handlers.deps import Deps
from actkit_network.handlers.discovery import get_discovery, set_discovery
from actkit_network.handlers.firewall import (
    add_firewall_rule,
    add_firewall_rules,
    confirm_firewall_rules,
    delete_firewall_rule,
    delete_firewall_rules,
    get_firewall,
    set_firewall,
)
from actkit_network.handlers.hardening import get_hardening
from actkit_network.handlers.http import get_http, set_http
from actkit_network.handlers.ip import (
    get_dns,
    get_dot1x,
    get_hostname,
    get_ipv4,
    get_ipv6,
    get_status,
    set_dns,
    set_dot1x,
    set_hostname,
    set_ipv4,
    set_ipv6,
)
from actkit_network.handlers.o3c import (
    claim_o3c,
    connect_o3c,
    get_o3c,
    get_o3c_status,
    set_o3c,
)
from actkit_network.handlers.restore import network_parameters, restore_settings
from actkit_network.handlers.simulator import simulate_link
from actkit_network.handlers.snmp import get_snmp, set_snmp, set_snmp_v3_password
from actkit_network.handlers.wlan import get_wlan, scan_wlan, set_wlan
from actkit_proto.io import ButtonPressed
from actkit_proto.network import (
    AddFirewallRule,
    AddFirewallRules,
    ClaimO3c,
    ConfirmFirewallRules,
    DeleteFirewallRule,
    DeleteFirewallRules,
    GetDiscovery,
    GetDns,
    GetDot1x,
    GetFirewall,
    GetHostname,
    GetHttp,
    GetIpv4,
    GetIpv6,
    GetNetworkStatus,
    GetO3c,
    GetO3cStatus,
    GetSnmp,
    GetWlan,
    ScanWlan,
    SetDiscovery,
    SetDns,
    SetDot1x,
    SetFirewall,
    SetHostname,
    SetHttp,
    SetIpv4,
    SetIpv6,
    SetO3c,
    SetSnmp,
    SetSnmpV3Password,
    SetWlan,
    SimulateLink,
)
from actkit_proto.params import RestoreSettings
from actkit_proto.service import GetHardening

__all__ = ["HANDLERS", "Deps"]

HANDLERS: Handlers[Deps] = {
    GetIpv4: get_ipv4,
    SetIpv4: set_ipv4,
    GetIpv6: get_ipv6,
    SetIpv6: set_ipv6,
    GetDns: get_dns,
    SetDns: set_dns,
    GetHostname: get_hostname,
    SetHostname: set_hostname,
    GetNetworkStatus: get_status,
    GetHttp: get_http,
    SetHttp: set_http,
    GetHardening: get_hardening,
    GetDiscovery: get_discovery,
    SetDiscovery: set_discovery,
    GetO3c: get_o3c,
    SetO3c: set_o3c,
    GetO3cStatus: get_o3c_status,
    ClaimO3c: claim_o3c,
    ButtonPressed: connect_o3c,
    GetSnmp: get_snmp,
    SetSnmp: set_snmp,
    SetSnmpV3Password: set_snmp_v3_password,
    GetDot1x: get_dot1x,
    SetDot1x: set_dot1x,
    GetWlan: get_wlan,
    SetWlan: set_wlan,
    ScanWlan: scan_wlan,
    GetFirewall: get_firewall,
    SetFirewall: set_firewall,
    AddFirewallRules: add_firewall_rules,
    AddFirewallRule: add_firewall_rule,
    ConfirmFirewallRules: confirm_firewall_rules,
    DeleteFirewallRule: delete_firewall_rule,
    DeleteFirewallRules: delete_firewall_rules,
    SimulateLink: simulate_link,
    RestoreSettings: restore_settings,
    **parameter_handlers(network_parameters),
}
