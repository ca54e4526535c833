"""The engine's side of apps: the uploaded archive, an app's container, volume and image."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import tarfile
from pathlib import Path
from typing import Any

from actkit_proto import Forbidden, Invalid, NotFound
from actkit_proto.system import AppManifest, AppPackage
from actkit_system.domain.apps import (
    ENGINE_NETWORKS,
    LABEL,
    NETWORK_LABEL,
    InstalledApp,
    container_name,
    container_spec,
    volume_name,
)
from actkit_system.handlers.app_users import bus_env
from actkit_system.handlers.deps import Apps
from actkit_system.ports import EngineError


def archive_sha256(archive: Path) -> str:
    digest = hashlib.sha256()
    with archive.open("rb") as data:
        while chunk := data.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def check_archive(archive: Path, manifest: AppManifest) -> None:
    """Refuse an archive that is not the signed one, or that would name other images too.

    Raises:
        Forbidden: its SHA-256 is not the manifest's.
        Invalid: not a ``docker save`` archive, or it tags anything but the manifest's image.
    """
    if archive_sha256(archive) != manifest.image_sha256:
        raise Forbidden(
            "the image archive is not the one the manifest names (its SHA-256 differs); "
            "not installed"
        )
    try:
        with tarfile.open(archive) as tar:
            member = tar.extractfile("manifest.json")
            entries: list[dict[str, Any]] = json.loads(member.read()) if member else []
        tags = [tag for entry in entries for tag in entry.get("RepoTags") or []]
    except (tarfile.TarError, KeyError, TypeError, AttributeError, ValueError):
        raise Invalid("the image archive is not a docker save archive (no manifest.json)") from None
    if tags != [manifest.image]:
        raise Invalid(
            f"the image archive must hold one image tagged {manifest.image}; it tags "
            f"{', '.join(tags) or 'none'}"
        )


def uploaded_archive(apps: Apps, package: AppPackage, manifest: AppManifest) -> Path | None:
    """The archive a package names, or ``None`` for an image the manifest pins in a registry.

    Raises:
        Invalid: an archive's manifest without an upload, or a pinned image with one.
        NotFound: no such upload.
    """
    if manifest.is_pulled:
        if package.upload_id is not None:
            raise Invalid("the manifest pins its image in a registry: send no upload_id")
        return None
    if package.upload_id is None:
        raise Invalid("upload_id: the image archive must be uploaded first")
    archive = apps.uploads / f"{package.upload_id}.tar"
    if not archive.exists():
        raise NotFound(f"no upload {package.upload_id}: upload the image archive first")
    return archive


async def obtain_image(apps: Apps, manifest: AppManifest, archive: Path | None) -> str:
    """Load the archive or pull the pinned image; the image's id (``sha256:…``).

    Pulled by digest, the engine checks the content against the digest; the image is then
    known by that reference only when the digest is the one pulled.

    Raises:
        Forbidden: the archive is not the signed one.
        Invalid: the archive is not one image tagged as the manifest says.
        EngineError: the engine could not load or pull it.
    """
    if archive is not None:
        await asyncio.to_thread(check_archive, archive, manifest)
        await apps.engine.load(archive)
    else:
        await apps.engine.pull(manifest.image)
    image_id = await apps.engine.image_id(manifest.image)
    if image_id is None:
        how = "the archive loaded" if archive is not None else "the registry gave"
        raise EngineError(f"{how} no image {manifest.image}")
    return image_id


async def join_network(apps: Apps) -> str:
    """The apps network there (made when missing), and the bus's URL as an app reaches it.

    Under ``actkit run`` nats-server is a process of this host, which apps reach at their
    network's gateway; on the board it is a container in that network, named in the settings.
    """
    gateway = ""
    if apps.network not in ENGINE_NETWORKS:
        gateway = await apps.engine.ensure_network(apps.network, {NETWORK_LABEL: "true"})
    if apps.nats_url is None:
        if gateway:
            await apps.relay.listen(gateway, apps.nats_port)
        apps.nats_url = f"nats://{gateway or '127.0.0.1'}:{apps.nats_port}"
    return apps.nats_url


async def create_container(apps: Apps, installed: InstalledApp) -> None:
    """Create the app's volume (kept when there is one) and its container, stopped."""
    manifest = installed.manifest
    await join_network(apps)
    await apps.engine.create_volume(volume_name(manifest.name), {LABEL: manifest.name})
    await apps.engine.create(
        container_name(manifest.name),
        installed.image_id,
        container_spec(manifest, apps.network, bus_env(apps, installed)),
    )


async def remove_app(apps: Apps, manifest: AppManifest) -> None:
    """Remove whatever the app has in the engine: container, volume and image."""
    await apps.engine.remove(container_name(manifest.name))
    await apps.engine.remove_volume(volume_name(manifest.name))
    await apps.engine.remove_image(manifest.image)


async def remove_traces(apps: Apps, manifest: AppManifest) -> None:
    """After a failed install: leave nothing of it behind, as far as the engine lets us."""
    with contextlib.suppress(EngineError):
        await remove_app(apps, manifest)


async def bring_back(apps: Apps, installed: InstalledApp) -> None:
    """Put an app in its last state: its container there, running when it should run."""
    name = container_name(installed.manifest.name)
    container = await apps.engine.inspect(name)
    if container is None:
        await create_container(apps, installed)
        container = await apps.engine.inspect(name)
    is_running = container is not None and container.is_running
    if installed.should_run and not is_running:
        await apps.engine.start(name)
    elif not installed.should_run and is_running:
        await apps.engine.stop(name)
