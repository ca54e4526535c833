"""Which SNMP traps are sent: the manual's trap list, gated by version and switches."""

from __future__ import annotations

from enum import StrEnum

from actkit_proto.network import SnmpSettings, SnmpVersion


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
