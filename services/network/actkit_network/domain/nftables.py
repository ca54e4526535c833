"""The nftables ruleset that puts a firewall model in force, rendered as ``nft -f`` input."""

from __future__ import annotations

import ipaddress

from actkit_proto.network import FirewallPolicy, FirewallProtocol, FirewallRule

TABLE = "inet actkit_firewall"

_VERDICTS = {FirewallPolicy.ALLOW: "accept", FirewallPolicy.DENY: "drop"}

# Kept open whatever the policy: answers to the device's own connections, loopback, and the
# ICMPv6 messages without which IPv6 neighbours cannot be found (134 router advertisement,
# 135 neighbour solicitation, 136 neighbour advertisement).
_ALWAYS = (
    "ct state established,related accept",
    'iifname "lo" accept',
    "icmpv6 type { 134, 135, 136 } accept",
)


def render_rule(rule: FirewallRule) -> str:
    """One rule as an nft statement, e.g. ``ip saddr 192.0.2.0/24 tcp dport 22 drop``.

    >>> render_rule(FirewallRule(address="2001:db8::/32", protocol="udp", port=161))
    'ip6 saddr 2001:db8::/32 udp dport 161 accept'
    """
    parts: list[str] = []
    if rule.address is not None:
        network = ipaddress.ip_network(rule.address)
        family = "ip" if network.version == 4 else "ip6"
        is_host = network.prefixlen == network.max_prefixlen
        parts.append(f"{family} saddr {network.network_address if is_host else network}")
    if rule.protocol is not FirewallProtocol.ANY:
        if rule.port is None:
            parts.append(f"meta l4proto {rule.protocol.value}")
        else:
            parts.append(f"{rule.protocol.value} dport {rule.port}")
    parts.append(_VERDICTS[rule.policy])
    return " ".join(parts)


def render_ruleset(
    is_active: bool,
    default_policy: FirewallPolicy,
    rules: list[FirewallRule] | tuple[FirewallRule, ...],
) -> str:
    """The whole ruleset; loading it replaces the previous one in one transaction.

    The first two lines make sure the table exists, so that deleting it never fails; an
    inactive firewall is just the table gone. Rules are checked in order, first match wins.
    """
    lines = [f"table {TABLE}", f"delete table {TABLE}"]
    if is_active:
        policy = _VERDICTS[default_policy]
        lines += [
            f"table {TABLE} {{",
            "\tchain input {",
            f"\t\ttype filter hook input priority filter; policy {policy};",
            *(f"\t\t{statement}" for statement in _ALWAYS),
            *(f"\t\t{render_rule(rule)}" for rule in rules),
            "\t}",
            "}",
        ]
    return "\n".join(lines) + "\n"
