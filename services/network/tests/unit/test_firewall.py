import asyncio

import pytest
from prometheus_client import REGISTRY

from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_network.adapters.sim import SimFirewall
from actkit_network.handlers import Deps
from actkit_network.handlers.firewall import revert_expired_test
from actkit_proto import Conflict, Invalid, NotFound
from actkit_proto.network import (
    MAX_FIREWALL_RULES,
    AddFirewallRule,
    AddFirewallRules,
    ConfirmFirewallRules,
    DeleteFirewallRule,
    DeleteFirewallRules,
    FirewallPolicy,
    FirewallProtocol,
    FirewallReverted,
    FirewallRule,
    GetFirewall,
    SetFirewall,
)

SSH_DENIED = FirewallRule(protocol=FirewallProtocol.TCP, port=22, policy=FirewallPolicy.DENY)
LAN_ALLOWED = FirewallRule(address="192.0.2.0/24")


def loaded(deps: Deps) -> str:
    assert isinstance(deps.firewall, SimFirewall)
    return deps.firewall.loaded[-1]


async def test_the_firewall_starts_off_allowing_everything(fake_bus: FakeBus, deps: Deps) -> None:
    firewall = await fake_bus.request(GetFirewall())
    assert (firewall.is_active, firewall.default_policy) == (False, FirewallPolicy.ALLOW)
    assert "chain input" not in loaded(deps)


async def test_activating_with_deny_loads_a_dropping_chain(fake_bus: FakeBus, deps: Deps) -> None:
    deny = SetFirewall(is_active=True, default_policy=FirewallPolicy.DENY, confirm=True)
    await fake_bus.request(deny)
    assert "policy drop;" in loaded(deps)


async def test_denying_by_default_is_refused_unless_confirmed(
    fake_bus: FakeBus, deps: Deps
) -> None:
    with pytest.raises(Conflict, match="denies by default may cut the device off"):
        await fake_bus.request(SetFirewall(is_active=True, default_policy=FirewallPolicy.DENY))
    assert "chain input" not in loaded(deps)
    assert not (await fake_bus.request(GetFirewall())).is_active


async def test_rules_with_no_time_limit_are_active_straight_away(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(SetFirewall(is_active=True, default_policy=FirewallPolicy.ALLOW))
    firewall = await fake_bus.request(AddFirewallRules(rules=[SSH_DENIED], time_limit_s=0))
    assert firewall.active_rules == [SSH_DENIED]
    assert firewall.test_deadline is None
    assert "tcp dport 22 drop" in loaded(deps)


async def test_unconfirmed_rules_revert_at_the_deadline_and_become_pending(
    fake_bus: FakeBus, deps: Deps, clock: FakeClock
) -> None:
    await fake_bus.request(SetFirewall(is_active=True, default_policy=FirewallPolicy.ALLOW))
    await fake_bus.request(AddFirewallRules(rules=[LAN_ALLOWED], time_limit_s=0))
    testing = await fake_bus.request(AddFirewallRules(rules=[SSH_DENIED]))
    assert testing.active_rules == [SSH_DENIED]
    assert testing.test_deadline == clock.now().timestamp() + 300
    assert "tcp dport 22 drop" in loaded(deps)

    clock.advance(299)
    assert await revert_expired_test(deps) == clock.now().timestamp() + 1
    assert (await fake_bus.request(GetFirewall())).active_rules == [SSH_DENIED]

    reverts = REGISTRY.get_sample_value("actkit_network_firewall_reverts_total") or 0.0
    clock.advance(1)
    assert await revert_expired_test(deps) is None
    assert REGISTRY.get_sample_value("actkit_network_firewall_reverts_total") == reverts + 1
    firewall = await fake_bus.request(GetFirewall())
    assert firewall.active_rules == [LAN_ALLOWED]
    assert firewall.pending_rules == [SSH_DENIED]
    assert firewall.test_deadline is None
    assert "tcp dport 22 drop" not in loaded(deps)
    assert "ip saddr 192.0.2.0/24 accept" in loaded(deps)
    assert fake_bus.published[-1] == FirewallReverted(pending_rules=[SSH_DENIED])


async def test_confirming_in_time_keeps_the_tested_rules(
    fake_bus: FakeBus, deps: Deps, clock: FakeClock
) -> None:
    await fake_bus.request(AddFirewallRules(rules=[SSH_DENIED], time_limit_s=10))
    confirmed = await fake_bus.request(ConfirmFirewallRules())
    assert (confirmed.active_rules, confirmed.test_deadline) == ([SSH_DENIED], None)
    clock.advance(3600)
    await revert_expired_test(deps)
    assert (await fake_bus.request(GetFirewall())).active_rules == [SSH_DENIED]
    assert not [event for event in fake_bus.published if isinstance(event, FirewallReverted)]


async def test_pending_rules_can_be_confirmed_after_they_reverted(
    fake_bus: FakeBus, deps: Deps, clock: FakeClock
) -> None:
    await fake_bus.request(AddFirewallRules(rules=[SSH_DENIED], time_limit_s=5))
    clock.advance(5)
    await revert_expired_test(deps)
    firewall = await fake_bus.request(ConfirmFirewallRules())
    assert (firewall.active_rules, firewall.pending_rules) == ([SSH_DENIED], [])


async def test_a_second_test_while_one_runs_is_a_conflict(fake_bus: FakeBus, deps: Deps) -> None:
    await fake_bus.request(AddFirewallRules(rules=[SSH_DENIED]))
    with pytest.raises(Conflict, match="rules are already under test"):
        await fake_bus.request(AddFirewallRules(rules=[LAN_ALLOWED]))


async def test_nothing_to_confirm_is_a_conflict(fake_bus: FakeBus, deps: Deps) -> None:
    with pytest.raises(Conflict, match="there are no rules to confirm"):
        await fake_bus.request(ConfirmFirewallRules())


async def test_one_rule_is_added_after_the_active_ones_and_tested_with_them(
    fake_bus: FakeBus, deps: Deps, clock: FakeClock
) -> None:
    await fake_bus.request(AddFirewallRules(rules=[LAN_ALLOWED], time_limit_s=0))
    testing = await fake_bus.request(AddFirewallRule(rule=SSH_DENIED))
    assert testing.active_rules == [LAN_ALLOWED, SSH_DENIED]
    assert testing.test_deadline == clock.now().timestamp() + 300
    clock.advance(300)
    await revert_expired_test(deps)
    firewall = await fake_bus.request(GetFirewall())
    assert (firewall.active_rules, firewall.pending_rules) == (
        [LAN_ALLOWED],
        [LAN_ALLOWED, SSH_DENIED],
    )


async def test_rules_added_one_at_a_time_at_once_are_all_kept(
    fake_bus: FakeBus, deps: Deps
) -> None:
    rules = [FirewallRule(protocol=FirewallProtocol.TCP, port=port) for port in (22, 80, 443)]
    await asyncio.gather(
        *(fake_bus.request(AddFirewallRule(rule=rule, time_limit_s=0)) for rule in rules)
    )
    active = (await fake_bus.request(GetFirewall())).active_rules
    assert sorted(rule.port or 0 for rule in active) == [22, 80, 443]


async def test_a_rule_added_while_others_are_tested_or_to_a_full_firewall_is_a_conflict(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(AddFirewallRules(rules=[SSH_DENIED]))
    with pytest.raises(Conflict, match="rules are already under test"):
        await fake_bus.request(AddFirewallRule(rule=LAN_ALLOWED))
    await fake_bus.request(DeleteFirewallRules())
    full = [FirewallRule(protocol=FirewallProtocol.UDP, port=port) for port in range(1, 257)]
    assert len(full) == MAX_FIREWALL_RULES
    await fake_bus.request(AddFirewallRules(rules=full, time_limit_s=0))
    with pytest.raises(Conflict, match="holds 256 rules, the most it takes"):
        await fake_bus.request(AddFirewallRule(rule=LAN_ALLOWED, time_limit_s=0))


async def test_one_active_rule_can_be_deleted(fake_bus: FakeBus, deps: Deps) -> None:
    await fake_bus.request(AddFirewallRules(rules=[LAN_ALLOWED, SSH_DENIED], time_limit_s=0))
    firewall = await fake_bus.request(DeleteFirewallRule(index=0))
    assert firewall.active_rules == [SSH_DENIED]
    with pytest.raises(NotFound, match="there is no active rule 1; there are 1"):
        await fake_bus.request(DeleteFirewallRule(index=1))


async def test_deleting_all_clears_pending_and_active_and_ends_a_test(
    fake_bus: FakeBus, deps: Deps, clock: FakeClock
) -> None:
    await fake_bus.request(AddFirewallRules(rules=[SSH_DENIED], time_limit_s=5))
    clock.advance(5)
    await revert_expired_test(deps)
    await fake_bus.request(AddFirewallRules(rules=[LAN_ALLOWED]))
    firewall = await fake_bus.request(DeleteFirewallRules())
    assert (firewall.active_rules, firewall.pending_rules, firewall.test_deadline) == ([], [], None)


async def test_a_bad_rule_over_the_bus_names_the_field_and_the_reason(
    fake_bus: FakeBus, deps: Deps
) -> None:
    bad = AddFirewallRules.model_construct(
        rules=[
            FirewallRule.model_construct(
                address="300.1.1.1", protocol=FirewallProtocol.ANY, policy=FirewallPolicy.ALLOW
            )
        ],
        time_limit_s=300,
    )
    with pytest.raises(Invalid, match=r"rules\.0\.address: .*'300.1.1.1' is not an IPv4 or IPv6"):
        await fake_bus.request(bad)


async def test_a_port_out_of_range_over_the_bus_is_invalid(fake_bus: FakeBus, deps: Deps) -> None:
    bad = AddFirewallRules.model_construct(
        rules=[
            FirewallRule.model_construct(
                protocol=FirewallProtocol.TCP, port=70000, policy=FirewallPolicy.DENY
            )
        ],
        time_limit_s=300,
    )
    with pytest.raises(
        Invalid, match=r"rules\.0\.port: Input should be less than or equal to 65535"
    ):
        await fake_bus.request(bad)
