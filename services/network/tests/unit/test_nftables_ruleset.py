import pytest

from actkit_network.domain.nftables import render_rule, render_ruleset
from actkit_proto.network import FirewallPolicy, FirewallProtocol, FirewallRule

TCP, UDP, ANY = FirewallProtocol.TCP, FirewallProtocol.UDP, FirewallProtocol.ANY
ALLOW, DENY = FirewallPolicy.ALLOW, FirewallPolicy.DENY


@pytest.mark.parametrize(
    ("rule", "statement"),
    [
        (FirewallRule(address="192.0.2.7"), "ip saddr 192.0.2.7 accept"),
        (FirewallRule(address="192.0.2.7/32", policy=DENY), "ip saddr 192.0.2.7 drop"),
        (FirewallRule(address="192.0.2.77/24"), "ip saddr 192.0.2.0/24 accept"),
        (FirewallRule(address="2001:db8::1"), "ip6 saddr 2001:db8::1 accept"),
        (FirewallRule(address="2001:DB8::/32", policy=DENY), "ip6 saddr 2001:db8::/32 drop"),
        (FirewallRule(protocol=TCP, port=22, policy=DENY), "tcp dport 22 drop"),
        (FirewallRule(protocol=UDP, port=161), "udp dport 161 accept"),
        (FirewallRule(protocol=UDP), "meta l4proto udp accept"),
        (
            FirewallRule(address="10.0.0.0/8", protocol=TCP, port=443),
            "ip saddr 10.0.0.0/8 tcp dport 443 accept",
        ),
        (
            FirewallRule(address="fe80::/10", protocol=TCP, policy=DENY),
            "ip6 saddr fe80::/10 meta l4proto tcp drop",
        ),
        (FirewallRule(protocol=TCP, port=65535), "tcp dport 65535 accept"),
        (FirewallRule(address="0.0.0.0/0", protocol=ANY), "ip saddr 0.0.0.0/0 accept"),
    ],
)
def test_each_rule_becomes_one_nft_statement(rule: FirewallRule, statement: str) -> None:
    assert render_rule(rule) == statement


def test_an_inactive_firewall_only_removes_the_table() -> None:
    assert render_ruleset(False, DENY, [FirewallRule(protocol=TCP, port=22)]) == (
        "table inet actkit_firewall\ndelete table inet actkit_firewall\n"
    )


@pytest.mark.parametrize(("policy", "verdict"), [(ALLOW, "accept"), (DENY, "drop")])
def test_the_default_policy_is_the_input_chain_policy(policy: FirewallPolicy, verdict: str) -> None:
    ruleset = render_ruleset(True, policy, [])
    assert f"type filter hook input priority filter; policy {verdict};" in ruleset


def test_rules_follow_the_always_open_statements_in_their_order() -> None:
    rules = [
        FirewallRule(address="192.0.2.0/24", protocol=TCP, port=80),
        FirewallRule(protocol=TCP, port=80, policy=DENY),
    ]
    lines = [line.strip() for line in render_ruleset(True, DENY, rules).splitlines()]
    assert lines[:5] == [
        "table inet actkit_firewall",
        "delete table inet actkit_firewall",
        "table inet actkit_firewall {",
        "chain input {",
        "type filter hook input priority filter; policy drop;",
    ]
    assert lines[5:8] == [
        "ct state established,related accept",
        'iifname "lo" accept',
        "icmpv6 type { 134, 135, 136 } accept",
    ]
    assert lines[8:] == [
        "ip saddr 192.0.2.0/24 tcp dport 80 accept",
        "tcp dport 80 drop",
        "}",
        "}",
    ]
