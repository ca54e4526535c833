"""The network settings plain config shows: hostname, dynamic DNS, HTTP(S), discovery, SNMP."""

from __future__ import annotations

from actkit_core.section_params import FieldParameter, field_parameter
from actkit_proto.network import DiscoverySettings, HostnameSettings, HttpSettings, SnmpSettings

_PORT = "80 or 443, or 1024-65535; 1-1023 with a warning"

FIELDS: tuple[FieldParameter, ...] = (
    field_parameter("Network", "HostName", "hostname", HostnameSettings, "hostname"),
    field_parameter("Network", "HostNameFromDHCP", "hostname", HostnameSettings, "is_auto"),
    field_parameter("Network.DNSUpdate", "Enabled", "hostname", HostnameSettings,
                    "is_ddns_enabled"),
    field_parameter("Network.DNSUpdate", "DNSName", "hostname", HostnameSettings, "ddns_name",
                    description="The name to register; empty for none"),
    field_parameter("Network.DNSUpdate", "TTL", "hostname", HostnameSettings, "ddns_ttl_s"),
    field_parameter("Network.HTTP", "Access", "http", HttpSettings, "access"),
    field_parameter("Network.HTTP", "Port", "http", HttpSettings, "http_port", description=_PORT),
    field_parameter("Network.HTTPS", "Port", "http", HttpSettings, "https_port",
                    description=_PORT),
    field_parameter("Network.Bonjour", "Enabled", "discovery", DiscoverySettings,
                    "is_bonjour_enabled"),
    field_parameter("Network.UPNP", "Enabled", "discovery", DiscoverySettings, "is_upnp_enabled"),
    field_parameter("Network.WSDiscovery", "Enabled", "discovery", DiscoverySettings,
                    "is_ws_discovery_enabled"),
    field_parameter("Network.LLDP", "Enabled", "discovery", DiscoverySettings, "is_lldp_enabled"),
    field_parameter("SNMP", "Enabled", "snmp", SnmpSettings, "is_enabled"),
    field_parameter("SNMP", "Version", "snmp", SnmpSettings, "version"),
    field_parameter("SNMP.Trap", "Enabled", "snmp", SnmpSettings, "are_traps_enabled"),
    field_parameter("SNMP.Trap", "Address", "snmp", SnmpSettings, "trap_address",
                    description="Trap receiver host; empty for none"),
)  # fmt: skip
