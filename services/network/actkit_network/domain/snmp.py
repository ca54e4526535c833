"""SNMP rules: which traps are sent, and the communities the agent uses until others are set."""

from __future__ import annotations

from enum import StrEnum

from actkit_proto.network import SnmpSettings, SnmpVersion

# The manual's communities, used until others are set.
_DEFAULT_COMMUNITIES = {
    "read_community": "public",
    "write_community": "write",
    "trap_community": "public",
}


class Trap(StrEnum):
    """The generic traps the manual lists."""

    COLD_START = "cold_start"
    LINK_UP = "link_up"
    LINK_DOWN = "link_down"
    AUTHENTICATION_FAILED = "authentication_failed"


def is_trap_due(settings: SnmpSettings, trap: Trap) -> bool:
    """True when SNMP v1/v2c is on with traps on, an address set and this trap chosen.

    >>> on = SnmpSettings(is_enabled=True, are_traps_enabled=True, trap_address="192.0.2.5")
    >>> is_trap_due(on, Trap.LINK_DOWN), is_trap_due(SnmpSettings(), Trap.LINK_DOWN)
    (True, False)
    """
    return (
        settings.is_enabled
        and settings.version is SnmpVersion.V1_V2C
        and settings.are_traps_enabled
        and settings.trap_address is not None
        and bool(getattr(settings.traps, trap.value))
    )


def with_communities(settings: SnmpSettings) -> SnmpSettings:
    """The group as the agent uses it: a community never set is the manual's default.

    >>> agent = with_communities(SnmpSettings(read_community="fleet"))
    >>> agent.read_community, agent.write_community, agent.trap_community
    ('fleet', 'write', 'public')
    """
    update = {
        name: default
        for name, default in _DEFAULT_COMMUNITIES.items()
        if getattr(settings, name) is None
    }
    return settings.model_copy(update=update)
