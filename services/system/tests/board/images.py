"""The rollout tests' images: one per version, built here, pushed to the registry, known by digest.

Every version is the same small image: a root of folders and links that the containers fill by
binding the host's ``/usr``, this Python and this checkout read-only (:func:`host_binds`), so a
version is built in a fraction of a second and runs this checkout's services. What tells the
versions apart is what a release changes in an image: its label and environment (the version)
and its health check's program. The full service images are built and tested by ``make images``.
"""

from __future__ import annotations

import io
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from .engine_host import REPO, Engine, Registry

BASE = "localhost/actkit-rollout-base:1"
REPOSITORY = "actkit"
HEALTHY = ("1.0.0", "1.1.0", "1.2.0")
UNHEALTHY = "1.1.0-unhealthy"
"""A version whose health check never passes."""

_DOCKERFILE = """\
FROM {base}
ENV PATH={venv}/bin:/usr/bin:/bin PYTHONDONTWRITEBYTECODE=1 ACTKIT_IMAGE_VERSION={version}
LABEL org.opencontainers.image.version={version}
COPY healthcheck /healthcheck
"""


@dataclass(frozen=True)
class Images:
    registry: str
    digests: dict[str, str]
    """Each version's manifest digest in the registry (``sha256:…``), by tag."""

    def tag(self, version: str) -> str:
        return f"{self.registry}/{REPOSITORY}:{version}"

    def pinned(self, version: str) -> str:
        """The reference a manifest that pins ``version`` by digest makes the engine pull."""
        return f"{self.registry}/{REPOSITORY}@{self.digests[version]}"

    def manifest_entry(self, version: str) -> dict[str, str]:
        return {"image": self.tag(version), "digest": self.digests[version]}


def host_binds() -> list[str]:
    """What the images' containers run: the host's programs, this Python, this checkout."""
    return [
        "/usr:/usr:ro",
        f"{sys.base_prefix}:{sys.base_prefix}:ro",
        f"{REPO}:{REPO}:ro",
    ]


def build_images(engine: Engine, registry: Registry, folder: Path) -> Images:
    """Build every version, push it to ``registry``, and note its digest."""
    engine.cli("import", "-", BASE, stdin=_base_root())
    digests: dict[str, str] = {}
    for version in (*HEALTHY, UNHEALTHY):
        images = Images(registry.address, digests)
        context = folder / version
        context.mkdir()
        dockerfile = _DOCKERFILE.format(base=BASE, venv=REPO / ".venv", version=version)
        (context / "Dockerfile").write_text(dockerfile)
        check = context / "healthcheck"
        check.write_text(f"#!/bin/sh\nexit {1 if version == UNHEALTHY else 0}\n")
        check.chmod(0o755)
        engine.cli("build", "-q", "-t", images.tag(version), str(context))
        engine.cli("push", images.tag(version))
        repo_digests = engine.cli(
            "image", "inspect", "-f", "{{json .RepoDigests}}", images.tag(version)
        )
        digests[version] = repo_digests.split("@", 1)[1].split('"', 1)[0]
    return Images(registry.address, digests)


def _base_root() -> bytes:
    """A root file system of links into ``/usr`` (bound at run time) and empty folders.

    ``/sbin`` is a folder: the engine puts its init (``init: true``) there.
    """
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as root:
        for name in ("bin", "lib", "lib64"):
            link = tarfile.TarInfo(name)
            link.type, link.linkname = tarfile.SYMTYPE, f"usr/{name}"
            root.addfile(link)
        for name in ("usr", "sbin", "etc", "tmp", "data", "proc", "sys", "dev", "run", "var"):
            folder = tarfile.TarInfo(name)
            folder.type, folder.mode = tarfile.DIRTYPE, 0o1777 if name == "tmp" else 0o755
            root.addfile(folder)
        for name, text in {
            "etc/passwd": "root:x:0:0::/data:/bin/sh\n",
            "etc/group": "root:x:0:\n",
        }.items():
            body = text.encode()
            entry = tarfile.TarInfo(name)
            entry.size = len(body)
            root.addfile(entry, io.BytesIO(body))
    return data.getvalue()
