"""Apps' licences: an offline key bound to an app and this device, or one a licence server gives.

A licence key (``docs/apps.md``) is ``<payload>.<signature>``, both base64url: the payload is the
JSON of :class:`AppLicenceKeyBody`, the signature Ed25519 over its bytes by the app's vendor (one
of the vendors' keys the device trusts, ``AppsSettings.public_keys``).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from actkit_proto.base import Command
from actkit_proto.system.apps import APP_NAME_PATTERN, AppReply

SERIAL_PATTERN = r"^[0-9A-F]{12}$"
MAX_KEY_CHARS = 2_000


class AppLicenceKeyBody(BaseModel):
    """What a licence key says: which app, on which device, until when."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: Literal[1] = 1
    app: str = Field(pattern=APP_NAME_PATTERN)
    serial: str = Field(pattern=SERIAL_PATTERN)
    """The device's serial number (its MAC address's twelve hex digits, upper case)."""
    expires: AwareDatetime | None = None
    """When the licence ends (with a time zone); ``None``: never."""


class ActivateAppLicence(Command[AppReply]):
    """The manual's "Activate license with a key": verify a key and keep it."""

    subject: ClassVar[str] = "system.app.{name}.licence.activate"

    name: str = Field(pattern=APP_NAME_PATTERN)
    key: str = Field(min_length=1, max_length=MAX_KEY_CHARS)


class FetchAppLicence(Command[AppReply]):
    """The manual's "Activate license automatically": a key from the device's licence server.

    The server is asked for a key for this app, this device and a licence code; the key is then
    activated as a typed one.
    """

    subject: ClassVar[str] = "system.app.{name}.licence.fetch"
    answer_within_s: ClassVar[float] = 20.0
    """The licence server has 10 s to answer."""

    name: str = Field(pattern=APP_NAME_PATTERN)
    licence_code: str = Field(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")
    """The code the vendor sold (printable ASCII, no spaces)."""


class DeactivateAppLicence(Command[AppReply]):
    """The manual's "Deactivate the license": remove it (an app that needs one is stopped)."""

    subject: ClassVar[str] = "system.app.{name}.licence.deactivate"

    name: str = Field(pattern=APP_NAME_PATTERN)


class LicenceServerAnswer(BaseModel):
    """What a licence server answers to a request for a key (HTTP 200, JSON)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(min_length=1, max_length=MAX_KEY_CHARS)


class LicenceServerRequest(BaseModel):
    """What the device POSTs to its licence server (JSON)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    app: str = Field(pattern=APP_NAME_PATTERN)
    serial: str = Field(pattern=SERIAL_PATTERN)
    licence_code: str
