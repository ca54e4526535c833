"""Apps: signed containers beside the services, installed and run by the system service.

The package format is described in ``docs/apps.md``: a manifest (:class:`AppManifest`, JSON text),
its Ed25519 signature, and the app's image as a ``docker save`` archive, uploaded in chunks
(:class:`UploadAppArchive`) before :class:`InstallApp` names it.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from actkit_proto.base import Command, Reply, Role

APP_NAME_PATTERN = r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$"
"""An app's name: 2-32 lower-case letters, digits and dashes; it names its container and volume."""
UPLOAD_ID_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
MAX_SCHEMA_BYTES = 16_384
MAX_CHUNK_CHARS = 700_000
"""A chunk of the archive in base64: 512 KiB of data, well inside the bus's 1 MB messages."""
MAX_LOG_LINES = 2_000
_SUBJECT_TOKEN = re.compile(r"^([A-Za-z0-9_-]+|\*)$")


class AppSubjects(BaseModel):
    """The NATS subjects an app asks for; the administrator approves them before it may use them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    publish: list[str] = Field(default_factory=list, max_length=32)
    subscribe: list[str] = Field(default_factory=list, max_length=32)

    @field_validator("publish", "subscribe")
    @classmethod
    def _subjects(cls, subjects: list[str]) -> list[str]:
        for subject in subjects:
            tokens = subject.split(".")
            last = tokens[-1]
            body = tokens[:-1] if last == ">" else tokens
            if (
                len(subject) > 200
                or subject.startswith(("$", "_INBOX"))
                or not all(_SUBJECT_TOKEN.match(token) for token in body)
                or not body
            ):
                raise ValueError(
                    f"{subject!r} is not a subject an app may ask for: dot-separated names, "
                    "'*' for one token, '>' only last; none of $… or _INBOX…"
                )
        return subjects


class AppManifest(BaseModel):
    """What an app is and what it may use, as its vendor signs it (``docs/apps.md``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: Literal[1]
    """The package format; this device reads version 1."""
    name: str = Field(pattern=APP_NAME_PATTERN)
    vendor: str = Field(min_length=1, max_length=64)
    version: str = Field(min_length=1, max_length=64, pattern=r"^[\w.+-]+$")
    description: str = Field(default="", max_length=500)
    needs_licence: bool = False
    """The app does not start without a licence (activated with a key or automatically)."""
    settings_schema: dict[str, Any] = Field(default_factory=dict)
    """A JSON Schema of ``"type": "object"`` for the app's settings; ``{}`` for none."""
    subjects: AppSubjects = Field(default_factory=AppSubjects)
    memory_mb: int = Field(ge=16, le=1024)
    """The container's memory limit (no swap beyond it): exceeding it kills the app."""
    cpus: float = Field(ge=0.05, le=2.0)
    """The share of the processor's cores the container may use."""
    web_port: int | None = Field(default=None, ge=1, le=65_535)
    """The app's own web page inside its container, proxied by the dashboard; ``None``: none."""
    licence_text: str = Field(default="", max_length=200_000)
    """The open-source licences of what the app contains, as shown to a person."""
    image: str = Field(
        max_length=300,
        # The tag's word characters are ASCII, as in Docker's grammar (a Unicode ``\w`` repeated
        # 127 times made pydantic's regex engine build 7 MB into every service's memory).
        pattern=r"^(apps/[a-z0-9-]+:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
        r"|[a-z0-9.-]+(:[0-9]{1,5})?(/[a-z0-9._-]+)+@sha256:[0-9a-f]{64})$",
    )
    """Either the image's one reference inside an uploaded archive, ``apps/<name>:<tag>`` (an
    app's image can never take the name of a service's image or of another app's), or an image
    in a registry pinned by digest, ``<registry>/<path>/<name>@sha256:<digest>``, which the
    device pulls: the signature covers the image through the digest."""
    image_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    """The SHA-256 of the ``docker save`` archive: the signature covers the image through it.
    Only for an archive; an image pinned by digest has none."""

    @property
    def is_pulled(self) -> bool:
        """Whether the image comes from a registry by digest rather than from an archive."""
        return "@sha256:" in self.image

    @model_validator(mode="after")
    def _image_named_after_the_app(self) -> AppManifest:
        if self.is_pulled:
            if not self.image.split("@", 1)[0].endswith(f"/{self.name}"):
                raise ValueError(f"image: name the app's image <registry>/…/{self.name}@sha256:…")
            if self.image_sha256 is not None:
                raise ValueError("image_sha256: only an archive has one; the digest pins the image")
        else:
            if not self.image.startswith(f"apps/{self.name}:"):
                raise ValueError(f"image: name the app's image apps/{self.name}:<tag>")
            if self.image_sha256 is None:
                raise ValueError("image_sha256: give the archive's SHA-256 (signing fills it in)")
        return self

    @field_validator("settings_schema")
    @classmethod
    def _settings_schema(cls, schema: dict[str, Any]) -> dict[str, Any]:
        if schema and schema.get("type") != "object":
            raise ValueError('a settings schema describes an object: give "type": "object"')
        if len(json.dumps(schema)) > MAX_SCHEMA_BYTES:
            raise ValueError(f"the settings schema is larger than {MAX_SCHEMA_BYTES} bytes")
        return schema


class AppPackage(BaseModel):
    """A package to install: the manifest's exact text, its signature, and the uploaded image."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    manifest: str = Field(min_length=2, max_length=300_000)
    """The manifest as JSON text (its UTF-8 bytes are what is signed)."""
    signature: str | None = Field(default=None, max_length=200)
    """Base64 Ed25519 signature of the manifest; ``None``: unsigned."""
    upload_id: str | None = Field(default=None, pattern=UPLOAD_ID_PATTERN)
    """The upload that holds the image archive (:class:`UploadAppArchive`); ``None`` for an
    image the manifest pins by digest in a registry."""


class AppsSettings(Reply):
    """Who may sign apps, and whether unsigned ones are installed."""

    allow_unsigned: bool = False
    """The manual's "Allow unsigned apps": install packages without a signature too."""
    public_keys: list[str] = Field(default_factory=list, max_length=8)
    """PEM Ed25519 public keys of the vendors whose apps this device trusts (they also sign the
    apps' licence keys)."""
    licence_server_url: str | None = Field(
        default=None, max_length=500, pattern=r"^https?://[^\s/?#]+[^\s]*$"
    )
    """Where "Activate license automatically" asks for a licence key (``docs/apps.md``);
    ``None``: nowhere."""


class GetAppsSettings(Command[AppsSettings]):
    """The apps' trust settings."""

    subject: ClassVar[str] = "system.apps.settings.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetAppsSettings(Command[AppsSettings]):
    """Change the apps' trust settings."""

    subject: ClassVar[str] = "system.apps.settings.set"

    settings: AppsSettings


class AppUpload(Reply):
    """How much of an archive has arrived."""

    upload_id: str
    received_bytes: int


class UploadAppArchive(Command[AppUpload]):
    """Append a chunk to an image archive being uploaded; offset 0 starts it anew."""

    subject: ClassVar[str] = "system.app.upload"

    upload_id: str = Field(pattern=UPLOAD_ID_PATTERN)
    offset: int = Field(ge=0)
    """Where the chunk goes: the bytes received so far (0 starts the upload over)."""
    data: str = Field(min_length=1, max_length=MAX_CHUNK_CHARS)
    """The chunk, base64."""


class AppState(BaseModel):
    """An installed app as the Apps page lists it."""

    name: str
    vendor: str
    version: str
    description: str = ""
    needs_licence: bool = False
    is_signed: bool
    is_running: bool
    """The container runs now."""
    should_run: bool
    """Started by a person (kept across restarts); the engine restarts it when it dies."""
    status: str
    """The engine's word for the container: ``running``, ``restarting``, ``exited`` … or
    ``missing`` when it has none."""
    memory_mb: int
    cpus: float
    web_port: int | None = None
    has_settings: bool = False
    is_licensed: bool = False
    """A valid licence is active for it (``needs_licence``: it does not start without one)."""
    licence_expires: datetime | None = None
    """When the active licence ends; ``None``: never, or no licence."""
    subjects: AppSubjects = Field(default_factory=AppSubjects)
    """The NATS subjects its manifest asks for."""
    approved_subjects: AppSubjects = Field(default_factory=AppSubjects)
    """Those of them the administrator approved: all its NATS user may use beside its own
    settings and replies."""


class AppReply(Reply):
    """One app after a command."""

    app: AppState


class AppList(Reply):
    """Every installed app, by name."""

    apps: list[AppState]


class InstallApp(Command[AppReply]):
    """Verify a package, load or pull its image and create its container (stopped).

    A package of an installed app at another version replaces it (``docs/apps.md``, Updating):
    its data volume, settings, approvals and licence are kept; a start that fails puts the
    previous version back.
    """

    subject: ClassVar[str] = "system.app.install"
    answer_within_s: ClassVar[float] = 180.0

    package: AppPackage


class ListApps(Command[AppList]):
    """The installed apps."""

    subject: ClassVar[str] = "system.app.list"
    required_role: ClassVar[Role] = Role.VIEWER


class StartApp(Command[AppReply]):
    """Start an app; it runs until stopped, across restarts of the device."""

    subject: ClassVar[str] = "system.app.{name}.start"
    answer_within_s: ClassVar[float] = 30.0
    """Creating a lost container and starting it may take seconds on a busy engine."""

    name: str = Field(pattern=APP_NAME_PATTERN)


class StopApp(Command[AppReply]):
    """Stop an app; it stays stopped across restarts."""

    subject: ClassVar[str] = "system.app.{name}.stop"
    answer_within_s: ClassVar[float] = 15.0

    name: str = Field(pattern=APP_NAME_PATTERN)


class DeleteApp(Command[AppList]):
    """Delete an app: its container, its data volume and its image."""

    subject: ClassVar[str] = "system.app.{name}.delete"
    answer_within_s: ClassVar[float] = 30.0

    name: str = Field(pattern=APP_NAME_PATTERN)


class ApproveAppSubjects(Command[AppReply]):
    """Approve which of the subjects an app's manifest asks for it may use (the rest it may not).

    Each must be one the manifest names, as written there; an empty list takes every approval
    back. nats-server takes the change at once, the app stays connected.
    """

    subject: ClassVar[str] = "system.app.{name}.subjects.approve"

    name: str = Field(pattern=APP_NAME_PATTERN)
    subjects: AppSubjects


class AppLog(Reply):
    """The end of what an app's container wrote."""

    name: str
    text: str
    is_truncated: bool = False
    """The log had more than was asked for or than one answer carries."""


class GetAppLog(Command[AppLog]):
    """The last lines of an app's log (its output and errors)."""

    subject: ClassVar[str] = "system.app.{name}.log"
    required_role: ClassVar[Role] = Role.OPERATOR

    name: str = Field(pattern=APP_NAME_PATTERN)
    lines: int = Field(default=200, ge=1, le=MAX_LOG_LINES)


class AppPage(Reply):
    """Where the dashboard reaches an app's own page (its manifest's ``web_port``)."""

    name: str
    url: str | None = None
    """``http://<address>:<web_port>`` in the engine's network while the app runs; ``None``:
    it has no page, or it does not run."""


class GetAppPage(Command[AppPage]):
    """Where an app's own page is served now; the dashboard proxies it under /apps/<name>/."""

    subject: ClassVar[str] = "system.app.{name}.page"
    required_role: ClassVar[Role] = Role.VIEWER

    name: str = Field(pattern=APP_NAME_PATTERN)


class AppLicence(Reply):
    """The open-source licences an app's vendor lists."""

    name: str
    text: str


class GetAppLicence(Command[AppLicence]):
    """An app's open-source licence text."""

    subject: ClassVar[str] = "system.app.{name}.licence"
    required_role: ClassVar[Role] = Role.VIEWER

    name: str = Field(pattern=APP_NAME_PATTERN)
