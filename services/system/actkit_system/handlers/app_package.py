"""Make, sign and send app packages: ``python -m actkit_system.handlers.app_package sign …``.

A vendor writes the manifest (``docs/apps.md``) without ``image_sha256``; signing fills it in from
the ``docker save`` archive (none for an image the manifest pins by digest in a registry), checks
the manifest as the device will, and signs its exact text.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import Any

from actkit_core.bus import Publisher
from actkit_proto.system import AppPackage, AppReply, InstallApp, UploadAppArchive
from actkit_system.domain.apps import read_manifest
from actkit_system.handlers.app_containers import archive_sha256
from actkit_system.handlers.rollout.bundle import signature_of

CHUNK_BYTES = 512 * 1024


def manifest_text(manifest: dict[str, Any], archive: Path | None) -> str:
    """The manifest's JSON text for ``archive`` (``None``: a pinned image), checked as on a device.

    Raises:
        Invalid: the manifest is not one the device installs.
    """
    sha256 = {"image_sha256": archive_sha256(archive)} if archive is not None else {}
    text = json.dumps({**manifest, **sha256}, indent=2)
    read_manifest(text)
    return text


def signed_package(
    manifest: dict[str, Any], archive: Path | None, private_pem: bytes | None
) -> dict[str, Any]:
    """The package for ``archive`` (``None``: a pinned image); without a key, unsigned."""
    text = manifest_text(manifest, archive)
    signature = signature_of(text, private_pem) if private_pem is not None else None
    return {"manifest": text, "signature": signature}


async def upload(bus: Publisher, archive: Path, upload_id: str) -> int:
    """Send an image archive to the device in chunks; the bytes it received."""
    received = 0
    with archive.open("rb") as data:
        while chunk := data.read(CHUNK_BYTES):
            reply = await bus.request(
                UploadAppArchive(
                    upload_id=upload_id, offset=received, data=base64.b64encode(chunk).decode()
                )
            )
            received = reply.received_bytes
    return received


async def install(
    bus: Publisher, archive: Path, package: dict[str, Any], upload_id: str
) -> AppReply:
    """Upload the archive, then install the package that names it."""
    await upload(bus, archive, upload_id)
    return await bus.request(
        InstallApp(package=AppPackage(**package, upload_id=upload_id)), timeout_s=120.0
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actkit_system.handlers.app_package")
    commands = parser.add_subparsers(dest="command", required=True)
    signer = commands.add_parser("sign", help="sign a manifest for an archive; JSON to stdout")
    signer.add_argument("manifest", type=Path, help="the manifest, without image_sha256")
    signer.add_argument(
        "archive", type=Path, nargs="?", help="the docker save archive (none: a pinned image)"
    )
    signer.add_argument("--key", type=Path, help="Ed25519 private key (PEM); none: unsigned")
    args = parser.parse_args(argv)
    package = signed_package(
        json.loads(args.manifest.read_text()),
        args.archive,
        args.key.read_bytes() if args.key else None,
    )
    sys.stdout.write(json.dumps(package, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
