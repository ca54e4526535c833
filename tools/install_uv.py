"""Put uv at the path given, from its wheel on PyPI, with nothing but Python's standard library.

A fresh Debian has ``python3`` but neither pip nor the ``venv`` module (``python3-venv`` is a
package of its own), so ``make`` cannot install uv the usual way. The wheel is found through the
index's JSON API (PEP 691), checked against the index's SHA-256, and the ``uv`` binary it carries is
written to the path given. The version is pinned here; ``uv.lock`` is read by that version.
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
import sys
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

VERSION = "0.13.9"
INDEX = "https://pypi.org/simple/uv/"
PEP691 = "application/vnd.pypi.simple.v1+json"


def wheel_for(files: list[dict[str, Any]], machine: str) -> dict[str, Any]:
    """The glibc wheel of ``VERSION`` built for ``machine`` (``x86_64``, ``aarch64`` ...)."""
    prefix = f"uv-{VERSION}-py3-none-manylinux"
    for file in files:
        name = str(file["filename"])
        if name.startswith(prefix) and name.endswith(f"_{machine}.whl"):
            return file
    sys.exit(f"install_uv: PyPI has no uv {VERSION} wheel for {machine}; install uv by hand")


def fetch(request: urllib.request.Request | str, timeout_s: float) -> bytes:
    """The body at ``request``; a sentence and exit status 1 when PyPI cannot be reached."""
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as answer:
            return bytes(answer.read())
    except OSError as exc:  # URLError, timeouts and refused connections alike
        url = request if isinstance(request, str) else request.full_url
        sys.exit(f"install_uv: could not fetch {url} ({exc}); check the network, or install uv")


def main() -> None:
    """Write the binary to ``argv[1]``."""
    target = Path(sys.argv[1])
    index = urllib.request.Request(INDEX, headers={"Accept": PEP691})
    files = json.loads(fetch(index, timeout_s=60))["files"]
    wheel = wheel_for(files, platform.machine())
    data = fetch(str(wheel["url"]), timeout_s=300)
    digest = hashlib.sha256(data).hexdigest()
    wanted = wheel["hashes"]["sha256"]
    if digest != wanted:
        sys.exit(f"install_uv: {wheel['filename']} has SHA-256 {digest}, the index says {wanted}")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        binary = archive.read(f"uv-{VERSION}.data/scripts/uv")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_bytes(binary)
    partial.chmod(0o755)
    partial.replace(target)
    print(f"install_uv: uv {VERSION} at {target}")  # noqa: T201


if __name__ == "__main__":
    main()
