import pytest
from pydantic import ValidationError

from actkit_proto.network import AddFirewallRules, FirewallProtocol, FirewallRule


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"address": "192.0.2.300"}, "'192.0.2.300' is not an IPv4 or IPv6 address or CIDR"),
        ({"address": "192.0.2.0/33"}, "is not an IPv4 or IPv6 address or CIDR"),
        ({"address": "example.com"}, "is not an IPv4 or IPv6 address or CIDR"),
        ({"protocol": "tcp", "port": 0}, "port\n  Input should be greater than or equal to 1"),
        ({"protocol": "tcp", "port": 65536}, "Input should be less than or equal to 65535"),
        ({"port": 22}, "a port needs the protocol TCP or UDP"),
        ({}, "a rule needs an address, a protocol or a port to match"),
        ({"protocol": "icmp"}, "Input should be 'tcp', 'udp' or 'any'"),
    ],
)
def test_bad_rules_are_rejected_with_a_reason(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        FirewallRule.model_validate(fields)


def test_a_good_rule_keeps_its_address_normalised() -> None:
    rule = FirewallRule(address="2001:DB8:0::1", protocol=FirewallProtocol.TCP, port=1)
    assert rule.address == "2001:db8::1/128"


def test_the_default_test_time_is_300_seconds() -> None:
    assert AddFirewallRules(rules=[]).time_limit_s == 300
