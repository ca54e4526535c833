"""REST: the network service's settings groups, its status and the SNMP v3 password."""

from __future__ import annotations

from fastapi import APIRouter

from actkit_proto.network import (
    GetDiscovery,
    GetDns,
    GetDot1x,
    GetHostname,
    GetHttp,
    GetIpv4,
    GetIpv6,
    GetNetworkStatus,
    GetO3c,
    GetO3cStatus,
    GetSnmp,
    SetDiscovery,
    SetDns,
    SetDot1x,
    SetHostname,
    SetHttp,
    SetIpv4,
    SetIpv6,
    SetO3c,
    SetSnmp,
    SetSnmpV3Password,
)
from actkit_web.api.commands import expose

router = APIRouter(prefix="/api/v1/network", tags=["network"])

get_status = expose(router, "GET", "/status", GetNetworkStatus)
get_ipv4 = expose(router, "GET", "/ipv4", GetIpv4)
set_ipv4 = expose(router, "PUT", "/ipv4", SetIpv4)
get_ipv6 = expose(router, "GET", "/ipv6", GetIpv6)
set_ipv6 = expose(router, "PUT", "/ipv6", SetIpv6)
get_hostname = expose(router, "GET", "/hostname", GetHostname)
set_hostname = expose(router, "PUT", "/hostname", SetHostname)
get_dns = expose(router, "GET", "/dns", GetDns)
set_dns = expose(router, "PUT", "/dns", SetDns)
get_http = expose(router, "GET", "/http", GetHttp)
set_http = expose(router, "PUT", "/http", SetHttp)
get_discovery = expose(router, "GET", "/discovery", GetDiscovery)
set_discovery = expose(router, "PUT", "/discovery", SetDiscovery)
get_o3c = expose(router, "GET", "/o3c", GetO3c)
set_o3c = expose(router, "PUT", "/o3c", SetO3c)
get_o3c_status = expose(router, "GET", "/o3c/status", GetO3cStatus)
get_snmp = expose(router, "GET", "/snmp", GetSnmp)
set_snmp = expose(router, "PUT", "/snmp", SetSnmp)
set_snmp_v3_password = expose(router, "PUT", "/snmp/v3-password", SetSnmpV3Password)
get_dot1x = expose(router, "GET", "/dot1x", GetDot1x)
set_dot1x = expose(router, "PUT", "/dot1x", SetDot1x)
