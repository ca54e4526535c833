"""The network settings plain config shows: hostname, dynamic DNS, HTTP(S), discovery, SNMP."""

from __future__ import annotations

from enum import StrEnum

from actkit_core.params import ParameterSpec
from actkit_core.section_params import FieldParameter
from actkit_proto.network import HttpAccess, SnmpVersion
from actkit_proto.params import ParameterType

_BOOL, _INT, _TEXT, _ENUM = (
    ParameterType.BOOLEAN, ParameterType.INTEGER, ParameterType.STRING, ParameterType.ENUM,
)  # fmt: skip


def _choices(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


def _port(group: str, default: int) -> ParameterSpec:
    return ParameterSpec(group, "Port", _INT, default, minimum=1, maximum=65535,
                         description="80 or 443, or 1024-65535; 1-1023 with a warning")  # fmt: skip


FIELDS: tuple[FieldParameter, ...] = (
    FieldParameter(ParameterSpec("Network", "HostName", _TEXT, "w401", minimum=1, maximum=63),
                   "hostname", "hostname"),
    FieldParameter(ParameterSpec("Network", "HostNameFromDHCP", _BOOL, True),
                   "hostname", "is_auto"),
    FieldParameter(ParameterSpec("Network.DNSUpdate", "Enabled", _BOOL, False),
                   "hostname", "is_ddns_enabled"),
    FieldParameter(ParameterSpec("Network.DNSUpdate", "DNSName", _TEXT, "", maximum=63,
                                 description="The name to register; empty for none"),
                   "hostname", "ddns_name"),
    FieldParameter(ParameterSpec("Network.DNSUpdate", "TTL", _INT, 30, minimum=1,
                                 maximum=86_400), "hostname", "ddns_ttl_s"),
    FieldParameter(ParameterSpec("Network.HTTP", "Access", _ENUM, HttpAccess.BOTH.value,
                                 _choices(HttpAccess)), "http", "access"),
    FieldParameter(_port("Network.HTTP", 80), "http", "http_port"),
    FieldParameter(_port("Network.HTTPS", 443), "http", "https_port"),
    FieldParameter(ParameterSpec("Network.Bonjour", "Enabled", _BOOL, True),
                   "discovery", "is_bonjour_enabled"),
    FieldParameter(ParameterSpec("Network.UPNP", "Enabled", _BOOL, True),
                   "discovery", "is_upnp_enabled"),
    FieldParameter(ParameterSpec("Network.WSDiscovery", "Enabled", _BOOL, True),
                   "discovery", "is_ws_discovery_enabled"),
    FieldParameter(ParameterSpec("Network.LLDP", "Enabled", _BOOL, True),
                   "discovery", "is_lldp_enabled"),
    FieldParameter(ParameterSpec("SNMP", "Enabled", _BOOL, False), "snmp", "is_enabled"),
    FieldParameter(ParameterSpec("SNMP", "Version", _ENUM, SnmpVersion.V1_V2C.value,
                                 _choices(SnmpVersion)), "snmp", "version"),
    FieldParameter(ParameterSpec("SNMP.Trap", "Enabled", _BOOL, False),
                   "snmp", "are_traps_enabled"),
    FieldParameter(ParameterSpec("SNMP.Trap", "Address", _TEXT, "", maximum=253,
                                 description="Trap receiver host; empty for none"),
                   "snmp", "trap_address"),
)  # fmt: skip
