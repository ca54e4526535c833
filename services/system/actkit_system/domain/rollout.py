"""Updates as container rollouts: the signed manifest, what is installed, and rollout progress."""

from __future__ import annotations

import json
import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from actkit_proto import Forbidden, Invalid
from actkit_proto.base import describe_validation_error
from actkit_proto.services import SERVICE_NAMES
from actkit_proto.system import UpgradeBundle, UpgradeMode, UpgradeSettings
from actkit_system.domain.signing import is_signed_by

_IMAGE = re.compile(r"^[a-z0-9]+([._/:-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$")
"""A tag as Docker's reference grammar has it: its word characters are ASCII. Spelt out, not
``\\w``: pydantic's regex engine builds a Unicode class repeated 127 times into tens of MB that
every process forked from ``actkit run`` would map."""
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
SYSTEM_CONTAINER = "actkit-system"
"""The system service's own container in the per-service layout."""
STACK_CONTAINER = "actkit"
"""The one container of the forked layout: ``actkit run``, every service, the system one too."""


class ServiceImage(BaseModel):
    """The image one service runs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    image: str = Field(pattern=_IMAGE.pattern, max_length=255)
    digest: str | None = Field(default=None, pattern=_DIGEST.pattern)

    @classmethod
    def running(cls, reference: str) -> ServiceImage:
        """The image a container runs, from the reference it was created with.

        Raises:
            Invalid: not an image reference a rollout can return to.
        """
        image, _, digest = reference.partition("@")
        try:
            return cls(image=image, digest=digest or None)
        except ValidationError:
            raise Invalid(f"cannot return to the image {reference!r} later") from None

    @property
    def reference(self) -> str:
        """What is pulled and run: pinned to the digest when there is one."""
        if self.digest is None:
            return self.image
        registry, _, name = self.image.rpartition("/")
        repository = name.split(":", 1)[0]
        return (
            f"{registry}/{repository}@{self.digest}" if registry else f"{repository}@{self.digest}"
        )


class Release(BaseModel):
    """A software version: one image per service, or one image for the stack's one container."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1, max_length=64, pattern=r"^[\w.+-]+$")
    build: str = Field(default="", max_length=128)
    services: dict[str, ServiceImage] = Field(default_factory=dict)
    """The per-service layout: the services this release replaces, each in its container."""
    stack: ServiceImage | None = None
    """The forked layout: the image of the container ``actkit`` that runs every service."""

    @model_validator(mode="after")
    def _one_layout(self) -> Release:
        if bool(self.services) == (self.stack is not None):
            raise ValueError("a release names either its services' images or the stack's image")
        return self

    @property
    def replaces_system(self) -> bool:
        """Whether the system service's own container is replaced (through the updater)."""
        return self.stack is not None or "system" in self.services

    @property
    def system_container(self) -> str:
        """The container the system service runs in, in the layout this release is for."""
        return STACK_CONTAINER if self.stack is not None else SYSTEM_CONTAINER

    def order(self) -> list[str]:
        """The services in rollout order, system last: it drives the rollout, then hands over."""
        return sorted(self.services, key=lambda name: (name == "system", SERVICE_NAMES.index(name)))


class RolloutRecord(BaseModel):
    """What is installed and what a rollback would return to (kept across restarts)."""

    current: Release | None = None
    previous: Release | None = None
    pending_confirmation: datetime | None = None
    """Autorollback: the new version must be confirmed before this."""
    handover: Handover | None = None
    """The system container is being replaced by the updater: the next system service ends it."""


class Handover(BaseModel):
    """A rollout handed to the updater container to replace the system service's own container.

    It is kept in the system's data volume, so the system service that runs afterwards (the new
    one, or the previous one put back) ends the rollout as this says.
    """

    release: Release
    """What is being installed."""
    replaced: list[str]
    """The other services already replaced; their ``-previous`` containers are kept until then."""
    record: RolloutRecord
    """What is installed once the new system service runs."""
    mode: UpgradeMode | None
    """The upgrade's mode; ``None`` for a rollback."""
    confirm_within_s: int = 0
    reason: str = ""
    """A rollback's reason."""
    system_id: str = ""
    """The container of the system service that handed over (the updater keeps it aside)."""

    @property
    def system_image(self) -> str:
        """The image the new system container runs (the stack's, in the forked layout)."""
        if self.release.stack is not None:
            return self.release.stack.reference
        return self.release.services["system"].reference


RolloutRecord.model_rebuild()


def read_release(manifest: str) -> Release:
    """The release a manifest describes.

    Raises:
        Invalid: not JSON, or not a valid manifest; says which field.
    """
    try:
        body = json.loads(manifest)
    except json.JSONDecodeError as exc:
        raise Invalid(f"manifest is not JSON: {exc}") from None
    try:
        release = Release.model_validate(body)
    except ValidationError as exc:
        raise Invalid(f"manifest: {describe_validation_error(exc)}") from None
    unknown = sorted(set(release.services) - set(SERVICE_NAMES))
    if unknown:
        raise Invalid(f"manifest: unknown services {', '.join(unknown)}")
    return release


def verify_bundle(bundle: UpgradeBundle, settings: UpgradeSettings) -> Release:
    """The release of a bundle whose signature verifies with a trusted key.

    Raises:
        Forbidden: unsigned (and unsigned is not allowed), or the signature does not verify.
        Invalid: the manifest or signature is malformed.
    """
    if bundle.signature is None:
        if not settings.allow_unsigned:
            raise Forbidden("the update is not signed; unsigned updates are not allowed")
        return read_release(bundle.manifest)
    if is_signed_by(bundle.manifest.encode(), bundle.signature, settings.public_keys):
        return read_release(bundle.manifest)
    raise Forbidden("the update's signature does not verify with any trusted key; not installed")


def keeps_previous(mode: UpgradeMode) -> bool:
    """Whether a rollback is possible after an upgrade in this mode."""
    return mode is not UpgradeMode.FACTORY_DEFAULT
