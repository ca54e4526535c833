"""The firewall: network.firewall.*, rules under test and their revert."""

from __future__ import annotations

from collections.abc import Callable

from actkit_network.domain import firewall
from actkit_network.domain.firewall import FirewallState
from actkit_network.domain.nftables import render_ruleset
from actkit_network.handlers.deps import Deps
from actkit_network.metrics import FIREWALL_LOADS, FIREWALL_REVERTS
from actkit_proto.network import (
    AddFirewallRule,
    AddFirewallRules,
    ConfirmFirewallRules,
    DeleteFirewallRule,
    DeleteFirewallRules,
    Firewall,
    FirewallReverted,
    GetFirewall,
    SetFirewall,
)


async def get_firewall(_command: GetFirewall, deps: Deps) -> Firewall:
    return (await deps.store.load_firewall()).view()


async def set_firewall(command: SetFirewall, deps: Deps) -> Firewall:
    return await _change_firewall(
        deps,
        lambda state: firewall.configure(
            state, command.is_active, command.default_policy, confirmed=command.confirm
        ),
    )


async def add_firewall_rules(command: AddFirewallRules, deps: Deps) -> Firewall:
    now = deps.clock.now().timestamp()
    return await _change_firewall(
        deps, lambda state: firewall.test_rules(state, command.rules, command.time_limit_s, now)
    )


async def add_firewall_rule(command: AddFirewallRule, deps: Deps) -> Firewall:
    now = deps.clock.now().timestamp()
    return await _change_firewall(
        deps, lambda state: firewall.add_rule(state, command.rule, command.time_limit_s, now)
    )


async def confirm_firewall_rules(_command: ConfirmFirewallRules, deps: Deps) -> Firewall:
    return await _change_firewall(deps, firewall.confirm)


async def delete_firewall_rule(command: DeleteFirewallRule, deps: Deps) -> Firewall:
    return await _change_firewall(deps, lambda state: firewall.delete_rule(state, command.index))


async def delete_firewall_rules(_command: DeleteFirewallRules, deps: Deps) -> Firewall:
    return await _change_firewall(deps, firewall.delete_all)


async def revert_expired_test(deps: Deps) -> float | None:
    """Revert rules under test whose deadline has passed; returns the deadline still ahead."""
    now = deps.clock.now().timestamp()
    before, after = await _change_firewall_state(
        deps, lambda state: firewall.revert_if_due(state, now)
    )
    if before.is_testing and not after.is_testing:
        FIREWALL_REVERTS.inc()
        await deps.bus.publish(FirewallReverted(pending_rules=list(after.pending_rules)))
    return after.test_deadline


async def _change_firewall(
    deps: Deps, change: Callable[[FirewallState], FirewallState]
) -> Firewall:
    _before, after = await _change_firewall_state(deps, change)
    return after.view()


async def _change_firewall_state(
    deps: Deps, change: Callable[[FirewallState], FirewallState]
) -> tuple[FirewallState, FirewallState]:
    # The ruleset is loaded before the state is stored: a ruleset the system refuses leaves
    # the stored firewall as it was.
    async with deps.firewall_lock:
        before = await deps.store.load_firewall()
        after = change(before)
        if after == before:
            return before, after
        await deps.firewall.load(
            render_ruleset(after.is_active, after.default_policy, after.active_rules)
        )
        FIREWALL_LOADS.inc()
        await deps.store.save_firewall(after)
    deps.firewall_changed.set()
    return before, after
