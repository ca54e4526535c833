"""The firewall's life cycle: rules under test revert at their deadline unless confirmed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from actkit_proto.errors import Conflict, NotFound
from actkit_proto.network import MAX_FIREWALL_RULES, Firewall, FirewallPolicy, FirewallRule


@dataclass(frozen=True)
class FirewallState:
    """Everything the firewall remembers; ``view`` is what people see."""

    is_active: bool = False
    default_policy: FirewallPolicy = FirewallPolicy.ALLOW
    active_rules: tuple[FirewallRule, ...] = ()
    pending_rules: tuple[FirewallRule, ...] = ()
    test_deadline: float | None = None
    rules_before_test: tuple[FirewallRule, ...] = field(default=())
    """What the active rules revert to when the test runs out."""

    @property
    def is_testing(self) -> bool:
        """Rules are under test and will revert unless confirmed."""
        return self.test_deadline is not None

    def view(self) -> Firewall:
        """The firewall as the bus shows it."""
        return Firewall(
            is_active=self.is_active,
            default_policy=self.default_policy,
            active_rules=list(self.active_rules),
            pending_rules=list(self.pending_rules),
            test_deadline=self.test_deadline,
        )


def configure(
    state: FirewallState, is_active: bool, policy: FirewallPolicy, *, confirmed: bool
) -> FirewallState:
    """Turn the firewall on or off and set its default policy; rules stay as they are.

    Raises:
        Conflict: it would start denying by default, unconfirmed (it may cut the device off).
    """
    was_denying = state.is_active and state.default_policy is FirewallPolicy.DENY
    if is_active and policy is FirewallPolicy.DENY and not was_denying and not confirmed:
        raise Conflict(
            "a firewall that denies by default may cut the device off the network it is "
            "reached on unless an active rule allows it: test allowing rules first, then send "
            "this again with confirm set (REST: ?confirm=true)"
        )
    return replace(state, is_active=is_active, default_policy=policy)


def test_rules(
    state: FirewallState, rules: list[FirewallRule], time_limit_s: int, now: float
) -> FirewallState:
    """Put ``rules`` in force; with a time limit they revert at ``now + time_limit_s``.

    Raises:
        Conflict: other rules are already under test.
    """
    if state.is_testing:
        raise Conflict("rules are already under test; confirm them or wait until they revert")
    if time_limit_s == 0:
        return replace(state, active_rules=tuple(rules), pending_rules=())
    return replace(
        state,
        active_rules=tuple(rules),
        test_deadline=now + time_limit_s,
        rules_before_test=state.active_rules,
    )


def add_rule(
    state: FirewallState, rule: FirewallRule, time_limit_s: int, now: float
) -> FirewallState:
    """Test the active rules and ``rule`` after them, as :func:`test_rules` tests a list.

    Raises:
        Conflict: other rules are under test, or the firewall is full.
    """
    if len(state.active_rules) >= MAX_FIREWALL_RULES:
        raise Conflict(
            f"the firewall holds {MAX_FIREWALL_RULES} rules, the most it takes; delete one first"
        )
    return test_rules(state, [*state.active_rules, rule], time_limit_s, now)


def confirm(state: FirewallState) -> FirewallState:
    """Keep the rules under test, or else make the pending rules active.

    Raises:
        Conflict: nothing is under test and nothing is pending.
    """
    if state.is_testing:
        return replace(state, pending_rules=(), test_deadline=None, rules_before_test=())
    if not state.pending_rules:
        raise Conflict("there are no rules to confirm; add rules first")
    return replace(state, active_rules=state.pending_rules, pending_rules=())


def revert_if_due(state: FirewallState, now: float) -> FirewallState:
    """Once the deadline has passed, restore the previous rules; the tested ones become pending."""
    if state.test_deadline is None or now < state.test_deadline:
        return state
    return replace(
        state,
        active_rules=state.rules_before_test,
        pending_rules=state.active_rules,
        test_deadline=None,
        rules_before_test=(),
    )


def delete_rule(state: FirewallState, index: int) -> FirewallState:
    """Delete one active rule; while testing it is deleted from the rules under test.

    Raises:
        NotFound: there is no active rule at ``index``.
    """
    if index >= len(state.active_rules):
        count = len(state.active_rules)
        raise NotFound(f"there is no active rule {index}; there are {count} (numbered from 0)")
    rules = state.active_rules[:index] + state.active_rules[index + 1 :]
    return replace(state, active_rules=rules)


def delete_all(state: FirewallState) -> FirewallState:
    """Delete every rule, pending and active, and end a test in progress."""
    return replace(
        state, active_rules=(), pending_rules=(), test_deadline=None, rules_before_test=()
    )
