"""The cloud connection's state: linked to HQ or not, and HQ's claim of the device."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from actkit_proto.base import Ack, Command, Reply, Role

CLAIM_WINDOW_S = 24 * 3600
"""After the control button's press (One-click), how long HQ has to claim the device."""


class O3cStatus(Reply):
    """Whether the device is linked to HQ now, and why not."""

    vehicle_id: str | None = None
    """The device's serial: its JetStream domain and name at HQ; ``None`` until known."""
    is_linked: bool = False
    """The link to HQ is in the device's nats-server configuration (it connects while it can)."""
    is_claimed: bool = False
    """HQ claimed the device with its owner authentication key: One-click stays linked."""
    claim_deadline: datetime | None = None
    """One-click: the link ends then unless HQ claims the device before."""
    owner_authentication_key: str | None = None
    """What HQ claims the device with (administrators only): shown on the page for HQ's operator."""
    reason: str | None = None
    """Why the device is not linked, for a person."""


class GetO3cStatus(Command[O3cStatus]):
    """The cloud connection's state and the owner authentication key."""

    subject: ClassVar[str] = "network.o3c.status.get"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class ClaimO3c(Command[Ack]):
    """HQ claims the device, through the link, with the owner authentication key it was given.

    Lent to integrators (HQ's live commands reach only those): the key is what proves HQ's
    operator saw the device's page; a wrong key is refused and changes nothing.
    """

    subject: ClassVar[str] = "network.o3c.claim"
    required_role: ClassVar[Role] = Role.OPERATOR

    owner_authentication_key: str = Field(min_length=1, max_length=64)
