"""The cloud connection's rules: when the device is linked to HQ, and HQ's claim of it."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

from actkit_proto.network import O3cMode, O3cSettings

_KEY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_owner_key() -> str:
    """A fresh owner authentication key: four groups of four, easy to read out and type."""
    letters = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))
    return "-".join(letters[i : i + 4] for i in range(0, 16, 4))


def is_owner_key(given: str, stored: str) -> bool:
    """Whether ``given`` is the device's key (in constant time, case and dashes as shown)."""
    return bool(stored) and hmac.compare_digest(given.strip().upper(), stored)


def not_linked_because(
    settings: O3cSettings,
    vehicle_id: str | None,
    is_claimed: bool,
    claim_deadline: datetime | None,
    now: datetime,
) -> str | None:
    """Why the device is not linked to HQ now, for a person; None: it is.

    Always links while configured; One-click links once the control button was pressed, for
    24 hours, and for good once HQ claimed the device; No never.
    """
    if settings.mode is O3cMode.NO:
        return "Allow O3C is No"
    if not settings.hq_urls or not settings.has_nkey_seed:
        return "HQ's addresses and the device's credential (nkey seed) are not both set"
    if vehicle_id is None:
        return "the device's serial number is not known yet (the system service)"
    if settings.mode is O3cMode.ALWAYS or is_claimed:
        return None
    if claim_deadline is None:
        return "One-click: press the control button to connect"
    if now >= claim_deadline:
        return "One-click: HQ did not claim the device within 24 hours; press the button again"
    return None
