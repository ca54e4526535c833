"""The device's identity: one source for every service."""

from __future__ import annotations

from typing import ClassVar

from actkit_proto.base import Command, Reply, Role


class Identity(Reply):
    """Who the device is."""

    model: str
    """Product model, e.g. ``AXIS W401``."""
    product_name: str
    """Full product name, e.g. ``AXIS W401 Body Worn Activation Kit``."""
    serial_number: str
    """12 upper-case hex digits, the same as the MAC address without separators."""
    mac_address: str
    """``AA:BB:CC:DD:EE:FF``."""
    software_version: str
    """The running software version (what the manual calls the AXIS OS version)."""
    build: str
    """Build identifier of the running software (image digest or source revision)."""


class GetIdentity(Command[Identity]):
    """The device's identity."""

    subject: ClassVar[str] = "system.identity.get"
    required_role: ClassVar[Role] = Role.VIEWER
