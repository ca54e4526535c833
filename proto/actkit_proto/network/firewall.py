"""The firewall: its policy, rules and the test period."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Self

from pydantic import Field, model_validator

from actkit_proto.base import Command, Event, Reply, Role
from actkit_proto.network.common import CUTS_OFF, FirewallAddress, PortNumber

MAX_FIREWALL_RULES = 256
"""The most rules the firewall holds, active or under test."""


class FirewallPolicy(StrEnum):
    """Whether connections are let in or dropped."""

    ALLOW = "allow"
    DENY = "deny"


class FirewallProtocol(StrEnum):
    """What a rule matches; ``any`` matches every protocol (and then takes no port)."""

    TCP = "tcp"
    UDP = "udp"
    ANY = "any"


class FirewallRule(Reply):
    """An exception to the default policy for connections to the device."""

    address: FirewallAddress | None = None
    """Source address, IPv4/IPv6 or CIDR; ``None`` matches every address."""
    protocol: FirewallProtocol = FirewallProtocol.ANY
    port: PortNumber | None = None
    policy: FirewallPolicy = FirewallPolicy.ALLOW

    @model_validator(mode="after")
    def _port_needs_a_protocol(self) -> Self:
        if self.port is not None and self.protocol is FirewallProtocol.ANY:
            raise ValueError("a port needs the protocol TCP or UDP")
        if self.address is None and self.port is None and self.protocol is FirewallProtocol.ANY:
            raise ValueError("a rule needs an address, a protocol or a port to match")
        return self


class Firewall(Reply):
    """The firewall as the manual shows it: active and pending rules and a test in progress."""

    is_active: bool = False
    default_policy: FirewallPolicy = FirewallPolicy.ALLOW
    active_rules: list[FirewallRule] = Field(default_factory=list)
    """In force now, including rules under test."""
    pending_rules: list[FirewallRule] = Field(default_factory=list)
    """Tested rules whose time ran out unconfirmed; confirm them to make them active."""
    test_deadline: float | None = None
    """While rules are under test: when they revert unless confirmed (Unix time, seconds)."""


class GetFirewall(Command[Firewall]):
    """Read the firewall: its switch, default policy, active and pending rules."""

    subject: ClassVar[str] = "network.firewall.get"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class SetFirewall(Command[Firewall]):
    """Turn the firewall on or off and choose the default policy.

    Turning on a firewall that denies by default is refused (409) unless confirmed.
    """

    subject: ClassVar[str] = "network.firewall.set"
    is_active: bool
    default_policy: FirewallPolicy
    confirm: bool = Field(default=False, description=CUTS_OFF)


class AddFirewallRules(Command[Firewall]):
    """Add rules: they replace the active rules, and revert after ``time_limit_s`` unless confirmed.

    A time limit of 0 activates them straight away.
    """

    subject: ClassVar[str] = "network.firewall.rules.add"
    rules: list[FirewallRule] = Field(max_length=MAX_FIREWALL_RULES)
    time_limit_s: int = Field(default=300, ge=0, le=86_400)


class AddFirewallRule(Command[Firewall]):
    """Add one rule after the active ones, which are tested with it (the manual's Add rule).

    The owner appends it to the rules in force at that moment, so two people adding rules at
    once both get theirs. With a time limit the active rules and the new one revert after
    ``time_limit_s`` unless confirmed; 0 activates them straight away. Refused (409) while other
    rules are under test, or when the firewall holds :data:`MAX_FIREWALL_RULES` already.
    """

    subject: ClassVar[str] = "network.firewall.rule.add"
    rule: FirewallRule
    time_limit_s: int = Field(default=300, ge=0, le=86_400)


class ConfirmFirewallRules(Command[Firewall]):
    """Keep the rules under test, or activate the pending rules."""

    subject: ClassVar[str] = "network.firewall.rules.confirm"


class DeleteFirewallRule(Command[Firewall]):
    """Delete one active rule by its position in ``active_rules`` (from 0)."""

    subject: ClassVar[str] = "network.firewall.rule.delete"
    index: int = Field(ge=0)


class DeleteFirewallRules(Command[Firewall]):
    """Delete every rule, pending and active; a test in progress ends."""

    subject: ClassVar[str] = "network.firewall.rules.delete"


class FirewallReverted(Event):
    """Rules under test were not confirmed in time; the previous rules are back."""

    subject: ClassVar[str] = "network.firewall.reverted"
    pending_rules: list[FirewallRule]
