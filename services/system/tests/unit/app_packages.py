"""An app package for the tests: its manifest and a ``docker save`` archive's layout."""

import io
import json
import tarfile
from pathlib import Path
from typing import Any

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


def archive(folder: Path, tags: list[str] | None = None, name: str = "image.tar") -> Path:
    """A ``docker save`` archive's layout: its manifest.json names the image's config and tags."""
    path = folder / name
    entries = [{"Config": f"{IMAGE_ID[7:]}.json", "RepoTags": tags or ["apps/trip-log:1.0.0"]}]
    body = json.dumps(entries).encode()
    with tarfile.open(path, "w") as tar:
        member = tarfile.TarInfo("manifest.json")
        member.size = len(body)
        tar.addfile(member, io.BytesIO(body))
    return path


def vendor_keys(folder: Path) -> tuple[bytes, str]:
    """A new vendor key: the private PEM and the public PEM."""
    generate_key(folder / "vendor.pem", folder / "vendor.pub")
    return (folder / "vendor.pem").read_bytes(), (folder / "vendor.pub").read_text()
