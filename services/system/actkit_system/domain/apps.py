"""Apps: trusting a package's manifest, what is installed, and the container an app runs in."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ValidationError

from actkit_proto import Conflict, Forbidden, Invalid
from actkit_proto.base import describe_validation_error
from actkit_proto.system import (
    AppManifest,
    AppPackage,
    AppsSettings,
    AppState,
    AppSubjects,
)
from actkit_system.domain.app_licences import KeptLicence
from actkit_system.domain.app_settings import check_schema, check_settings, default_settings
from actkit_system.domain.signing import is_signed_by

LABEL = "org.actkit.app"
"""The label that marks an app's container and volume (its value: the app's name)."""
NETWORK_LABEL = "org.actkit.apps-network"
"""The label of the apps network the system service makes."""
ENGINE_NETWORKS = frozenset({"none", "bridge", "default"})
"""The engine's own networks: there already, never made."""
PIDS_LIMIT = 256
TMP_SIZE = "16m"


def container_name(app: str) -> str:
    return f"actkit-app-{app}"


def volume_name(app: str) -> str:
    return f"actkit-app-{app}-data"


class InstalledApp(BaseModel):
    """An installed app: what its vendor signed, its image, and whether a person started it."""

    manifest: AppManifest
    is_signed: bool
    image_id: str
    """The image the archive loaded (``sha256:…``), which the container runs."""
    should_run: bool = False
    settings: dict[str, Any] | None = None
    """The app's own settings as set; ``None``: its schema's defaults."""
    nats_password: str = ""
    """Its NATS user's password, made at install; only this service, nats-server and the app's
    container have it ("": installed before apps had users, made at the next start)."""
    approved: AppSubjects = AppSubjects()
    """The subjects of its manifest the administrator approved."""

    def settings_in_force(self) -> dict[str, Any]:
        if self.settings is not None:
            return self.settings
        return default_settings(self.manifest.settings_schema)


class InstalledApps(BaseModel):
    """Every installed app by name (kept across restarts: not a setting)."""

    apps: dict[str, InstalledApp] = {}


def read_manifest(text: str) -> AppManifest:
    """The manifest a package carries.

    Raises:
        Invalid: not JSON, or not a valid manifest; says which field and why.
    """
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid(f"manifest is not JSON: {exc}") from None
    try:
        manifest = AppManifest.model_validate(body)
    except ValidationError as exc:
        raise Invalid(f"manifest: {describe_validation_error(exc)}") from None
    check_schema(manifest.settings_schema)
    return manifest


def verify_package(package: AppPackage, trusted: AppsSettings) -> tuple[AppManifest, bool]:
    """The manifest of a package this device may install, and whether it is signed.

    Raises:
        Forbidden: unsigned while unsigned apps are not allowed, or the signature verifies with
            no trusted vendor key.
        Invalid: the manifest or the signature is malformed.
    """
    if package.signature is None:
        if not trusted.allow_unsigned:
            raise Forbidden(
                "the app is not signed; turn on Allow unsigned apps to install unsigned apps"
            )
        return read_manifest(package.manifest), False
    if is_signed_by(package.manifest.encode(), package.signature, trusted.public_keys):
        return read_manifest(package.manifest), True
    raise Forbidden(
        "the app's signature does not verify with any trusted vendor key; not installed"
    )


def check_approval(manifest: AppManifest, approved: AppSubjects) -> None:
    """Refuse to approve a subject the app's manifest does not ask for.

    Raises:
        Invalid: names the first such subject.
    """
    for kind in ("publish", "subscribe"):
        asked = getattr(manifest.subjects, kind)
        for subject in getattr(approved, kind):
            if subject not in asked:
                raise Invalid(
                    f"{manifest.name} does not ask to {kind} {subject!r}; approve only what its "
                    f"manifest asks for: {', '.join(asked) or 'nothing'}"
                )


def check_update(there: InstalledApp, manifest: AppManifest) -> None:
    """Refuse a package that cannot replace the installed app.

    Raises:
        Conflict: the same version is installed, or the settings in force do not fit the new
            version's schema (change them first, or delete the app).
    """
    name = manifest.name
    if manifest.version == there.manifest.version:
        raise Conflict(f"{name} {manifest.version} is installed already")
    if there.settings is not None:
        try:
            check_settings(manifest.settings_schema, there.settings)
        except Invalid as exc:
            raise Conflict(
                f"{name}'s settings do not fit version {manifest.version} ({exc.message}); "
                "change them first, or delete the app"
            ) from None


def updated_app(
    there: InstalledApp, manifest: AppManifest, is_signed: bool, image_id: str
) -> InstalledApp:
    """The app at its new version, with what it had: run or not, settings, user, approvals.

    An approval is kept as far as the new version still asks for that subject.
    """
    approved = AppSubjects(
        publish=[s for s in there.approved.publish if s in manifest.subjects.publish],
        subscribe=[s for s in there.approved.subscribe if s in manifest.subjects.subscribe],
    )
    return there.model_copy(
        update={
            "manifest": manifest,
            "is_signed": is_signed,
            "image_id": image_id,
            "approved": approved,
        }
    )


def container_spec(
    manifest: AppManifest, network: str, bus_env: dict[str, str]
) -> dict[str, object]:
    """How an app's container is created: no privileges, its limits, its own data volume.

    Its root file system is read-only (``/data`` and a small ``/tmp`` are writable), it has no
    capabilities and cannot gain any, it is never on the host's network, and the engine restarts
    it when it dies, with the engine's growing delay, until a person stops it.
    """
    memory = manifest.memory_mb * 2**20
    host_config: dict[str, Any] = {
        "Privileged": False,
        "ReadonlyRootfs": True,
        "CapDrop": ["ALL"],
        "SecurityOpt": ["no-new-privileges"],
        "Memory": memory,
        "MemorySwap": memory,
        "NanoCpus": round(manifest.cpus * 1e9),
        "PidsLimit": PIDS_LIMIT,
        "NetworkMode": network,
        "Init": True,
        "RestartPolicy": {"Name": "unless-stopped"},
        "Mounts": [{"Type": "volume", "Source": volume_name(manifest.name), "Target": "/data"}],
        "Tmpfs": {"/tmp": f"rw,noexec,nosuid,size={TMP_SIZE}"},
        "LogConfig": {"Type": "json-file", "Config": {"max-size": "1m", "max-file": "2"}},
    }
    return {
        "Env": [
            f"ACTKIT_APP_NAME={manifest.name}",
            *(f"{name}={value}" for name, value in bus_env.items()),
            "ACTKIT_APP_DATA_DIR=/data",
        ],
        "Labels": {LABEL: manifest.name, f"{LABEL}.version": manifest.version},
        "HostConfig": host_config,
    }


def app_state(
    installed: InstalledApp, status: str, is_running: bool, licence: KeptLicence | None = None
) -> AppState:
    """How the Apps page shows an app: its container as the engine says, its valid licence."""
    manifest = installed.manifest
    return AppState(
        name=manifest.name,
        vendor=manifest.vendor,
        version=manifest.version,
        description=manifest.description,
        needs_licence=manifest.needs_licence,
        is_signed=installed.is_signed,
        is_running=is_running,
        should_run=installed.should_run,
        status=status,
        memory_mb=manifest.memory_mb,
        cpus=manifest.cpus,
        web_port=manifest.web_port,
        has_settings=bool(manifest.settings_schema.get("properties")),
        is_licensed=licence is not None,
        licence_expires=licence.expires if licence else None,
        subjects=manifest.subjects,
        approved_subjects=installed.approved,
    )


def log_tail(text: str, lines: int, max_chars: int) -> tuple[str, bool]:
    """The last ``lines`` lines of ``text``, at most ``max_chars`` of them; and whether cut."""
    kept = text.splitlines(keepends=True)
    is_truncated = len(kept) > lines
    tail = "".join(kept[-lines:])
    if len(tail) > max_chars:
        tail, is_truncated = tail[-max_chars:], True
    return tail, is_truncated
