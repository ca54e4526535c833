"""An app package for the tests: its manifest, a ``docker save`` archive's layout, and an app
that needs a licence installed."""

import io
import json
import tarfile
from pathlib import Path
from typing import Any

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.system import AppsSettings, SetAppsSettings
from actkit_system.handlers.app_package import install, signed_package
from actkit_system.handlers.rollout.bundle import generate_key

IMAGE_ID = "sha256:" + "ab" * 32
CONTAINER = "actkit-app-trip-log"
VOLUME = "actkit-app-trip-log-data"


def manifest(**changes: Any) -> dict[str, Any]:
    return {
        "format_version": 1,
        "name": "trip-log",
        "vendor": "Example Vendor",
        "version": "1.0.0",
        "description": "Records ignition and inputs",
        "settings_schema": {"type": "object", "properties": {"keep_days": {"type": "integer"}}},
        "subjects": {"subscribe": ["io.ignition.changed", "io.port.*.changed"]},
        "memory_mb": 64,
        "cpus": 0.25,
        "licence_text": "MIT",
        "image": "apps/trip-log:1.0.0",
        **changes,
    }


def archive(
    folder: Path, tags: list[str] | None = None, name: str = "image.tar", image_id: str = IMAGE_ID
) -> Path:
    """A ``docker save`` archive's layout: its manifest.json names the image's config and tags."""
    path = folder / name
    entries = [{"Config": f"{image_id[7:]}.json", "RepoTags": tags or ["apps/trip-log:1.0.0"]}]
    body = json.dumps(entries).encode()
    with tarfile.open(path, "w") as tar:
        member = tarfile.TarInfo("manifest.json")
        member.size = len(body)
        tar.addfile(member, io.BytesIO(body))
    return path


SERIAL = "ACCC8E123456"
"""The simulated device's serial number (its MAC address AC:CC:8E:12:34:56)."""


def stranger_key(folder: Path) -> bytes:
    """The private key of a vendor the device does not trust."""
    (folder / "stranger").mkdir()
    generate_key(folder / "stranger" / "vendor.pem", folder / "stranger" / "vendor.pub")
    return (folder / "stranger" / "vendor.pem").read_bytes()


async def install_needing_licence(bus: FakeBus, vendor: tuple[bytes, str], folder: Path) -> bytes:
    """trip-log, which needs a licence, installed from a trusted vendor; the vendor's key."""
    await bus.request(SetAppsSettings(settings=AppsSettings(public_keys=[vendor[1]])))
    image = archive(folder)
    await install(
        bus, image, signed_package(manifest(needs_licence=True), image, vendor[0]), "up-00001"
    )
    return vendor[0]
