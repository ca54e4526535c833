"""The network service's Prometheus metrics (``actkit_network_*``)."""

from prometheus_client import Counter

FIREWALL_LOADS = Counter(
    "actkit_network_firewall_loads_total", "Firewall rulesets loaded into the system."
)
FIREWALL_REVERTS = Counter(
    "actkit_network_firewall_reverts_total",
    "Rules under test that were not confirmed in time and reverted.",
)
LINK_CHANGES = Counter(
    "actkit_network_link_changes_total", "Links that went up or down, by interface.", ["interface"]
)
TRAPS_SENT = Counter("actkit_network_snmp_traps_total", "SNMP traps sent, by trap.", ["trap"])
