"""Apps' licences: reading a licence key, and whether the one kept for an app is valid now.

A key is ``<payload>.<signature>`` (base64url, ``docs/apps.md``): the payload is the JSON of
:class:`AppLicenceKeyBody`, signed with Ed25519 by one of the vendors' keys the device trusts.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from pydantic import BaseModel, ValidationError

from actkit_proto import Invalid
from actkit_proto.base import describe_validation_error
from actkit_proto.system import AppLicenceKeyBody
from actkit_system.domain.signing import is_signed_by


class KeptLicence(BaseModel):
    """An activated licence: the key as given, and when it ends."""

    key: str
    expires: datetime | None = None


class AppLicences(BaseModel):
    """The licences by app name, kept apart from the installed apps.

    Deleting an app keeps its licence (the manual: "If you don't deactivate the license first,
    it remains active").
    """

    licences: dict[str, KeptLicence] = {}


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_key(payload: bytes, signature: bytes) -> str:
    """The key's text for a payload and its signature."""
    parts = (base64.urlsafe_b64encode(part).decode().rstrip("=") for part in (payload, signature))
    return ".".join(parts)


def read_licence_key(
    key: str, app: str, serial: str, public_keys: list[str], now: datetime
) -> KeptLicence:
    """The licence a key gives ``app`` on the device with ``serial``, checked in full.

    Raises:
        Invalid: not a licence key (its shape, its payload), not signed by a trusted vendor key,
            for another app or device, or expired.
    """
    payload_text, dot, signature_text = key.strip().partition(".")
    try:
        if not dot or "." in signature_text:
            raise ValueError
        payload, signature = _unb64(payload_text), _unb64(signature_text)
    except (binascii.Error, ValueError):
        raise Invalid(
            "key: not a licence key (two base64url parts joined by a dot); paste it whole"
        ) from None
    if not is_signed_by(payload, base64.b64encode(signature).decode(), public_keys):
        raise Invalid("the licence key is not signed by any trusted vendor key; not activated")
    try:
        body = AppLicenceKeyBody.model_validate(json.loads(payload))
    except (ValueError, ValidationError) as exc:
        detail = describe_validation_error(exc) if isinstance(exc, ValidationError) else str(exc)
        raise Invalid(f"the licence key's content is not valid: {detail}") from None
    if body.app != app:
        raise Invalid(f"the licence key is for the app {body.app}, not {app}; not activated")
    if body.serial != serial.upper():
        raise Invalid(
            f"the licence key is for the device {body.serial}, not this one ({serial.upper()}); "
            "not activated"
        )
    if body.expires is not None and body.expires <= now:
        raise Invalid(f"the licence key expired on {body.expires.isoformat()}; not activated")
    return KeptLicence(key=key.strip(), expires=body.expires)


def is_valid(licence: KeptLicence | None, now: datetime) -> bool:
    """Whether a kept licence lets its app run now."""
    return licence is not None and (licence.expires is None or licence.expires > now)


def why_not_startable(app: str, licence: KeptLicence | None) -> str:
    """The sentence that says why an app that needs a licence does not start."""
    if licence is None:
        return (
            f"{app} needs a licence and has none; activate one (with a key or automatically) "
            "before starting it"
        )
    ended = licence.expires.isoformat() if licence.expires else "?"
    return f"the licence of {app} expired on {ended}; activate a new one before starting it"
