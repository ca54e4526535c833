"""Upgrades as container rollouts, and their signing keys."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from actkit_proto.base import Command, Event, Reply, Role


class UpgradeMode(StrEnum):
    """The manual's upgrade options."""

    STANDARD = "standard"
    FACTORY_DEFAULT = "factory_default"
    """Upgrade, then every setting to factory default; no rollback to the previous version."""
    AUTOROLLBACK = "autorollback"
    """Upgrade; unless confirmed within the time limit, the previous version comes back."""


class UpgradeBundle(BaseModel):
    """An update: the manifest (JSON text, see ``deploy/rollout/``) and its signature."""

    model_config = ConfigDict(frozen=True)

    manifest: str = Field(min_length=2, max_length=100_000)
    """JSON: ``{"version", "build", "services": {name: {"image", "digest"}}}``."""
    signature: str | None = None
    """Base64 Ed25519 signature of the manifest's UTF-8 bytes."""
    signer_chain: list[Annotated[str, Field(max_length=20_000)]] = Field(
        default_factory=list, max_length=4
    )
    """Custom software only: PEM certificates, the signing key's first, then any between it and
    the installed custom signed OS certificate, which issued the last. Each must be valid now;
    empty: the OS certificate's own key signed the manifest."""


class UpgradeSettings(Reply):
    """Who may sign updates."""

    allow_unsigned: bool = False
    """Install unsigned bundles too (development only)."""
    public_keys: list[str] = Field(default_factory=list, max_length=4)
    """PEM Ed25519 public keys whose signatures are accepted."""


class GetUpgradeSettings(Command[UpgradeSettings]):
    """The upgrade settings."""

    subject: ClassVar[str] = "system.upgrade.settings.get"


class SetUpgradeSettings(Command[UpgradeSettings]):
    """Change the upgrade settings."""

    subject: ClassVar[str] = "system.upgrade.settings.set"

    settings: UpgradeSettings


class UpgradeStage(StrEnum):
    """Where a rollout stands."""

    IDLE = "idle"
    VERIFYING = "verifying"
    PULLING = "pulling"
    REPLACING = "replacing"
    HEALTH_CHECKING = "health_checking"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    COMMITTED = "committed"
    ROLLING_BACK = "rolling_back"
    ROLLED_BACK = "rolled_back"
    FAILED = "failed"


class UpgradeStatus(Reply):
    """The installed version and the rollout in progress, if any."""

    version: str
    """The version running now."""
    previous_version: str | None = None
    """What a rollback returns to; ``None`` when there is none."""
    stage: UpgradeStage = UpgradeStage.IDLE
    mode: UpgradeMode | None = None
    target_version: str | None = None
    percent: int = Field(default=0, ge=0, le=100)
    service: str | None = None
    """The service being replaced."""
    confirm_by: datetime | None = None
    """Autorollback: confirm before this, or the previous version comes back."""
    message: str = ""


class UpgradeProgressed(Event):
    """A rollout moved on (kept as the current state)."""

    subject: ClassVar[str] = "system.upgrade.progressed"
    stateful: ClassVar[bool] = True

    status: UpgradeStatus


ConfirmWithinS = Annotated[int, Field(ge=60, le=86_400)]
"""Autorollback: how long a new version waits to be confirmed, 1 min to 24 h."""


class StartUpgrade(Command[UpgradeStatus]):
    """Verify a bundle and start rolling it out; progress follows as events."""

    subject: ClassVar[str] = "system.upgrade.start"

    bundle: UpgradeBundle
    mode: UpgradeMode = UpgradeMode.STANDARD
    confirm_within_s: ConfirmWithinS = 300
    """Autorollback: the time limit to confirm."""


class ConfirmUpgrade(Command[UpgradeStatus]):
    """Keep the new version (autorollback)."""

    subject: ClassVar[str] = "system.upgrade.confirm"


class RollbackUpgrade(Command[UpgradeStatus]):
    """Go back to the previously installed version."""

    subject: ClassVar[str] = "system.upgrade.rollback"


class GetUpgradeStatus(Command[UpgradeStatus]):
    """The installed version and any rollout in progress."""

    subject: ClassVar[str] = "system.upgrade.status"
    required_role: ClassVar[Role] = Role.VIEWER
