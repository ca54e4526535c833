"""What the apps' tests on dockerd share: a busybox app, the system service driving the engine.

The app is a 2 MB image made here from a static busybox with ``docker import``, saved with
``docker save`` and removed from the engine, so installing it loads the archive for real.
"""

from __future__ import annotations

import asyncio
import io
import tarfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.plugin import running
from actkit_proto.system import GetAppLog
from actkit_system.handlers.rollout.bundle import generate_key
from actkit_system.main import serve
from actkit_system.settings import SystemSettings

from .engine_host import Engine

APP = "trip-log"
IMAGE = f"apps/{APP}:1.0.0"
CONTAINER = f"actkit-app-{APP}"
VOLUME = f"actkit-app-{APP}-data"
BUSYBOX = Path("/bin/busybox")
"""Debian's busybox-static: one static program, every tool the app's shell needs."""
MANIFEST: dict[str, Any] = {
    "format_version": 1,
    "name": APP,
    "vendor": "Example Vendor",
    "version": "1.0.0",
    "subjects": {"subscribe": ["io.ignition.changed"]},
    "memory_mb": 32,
    "cpus": 0.25,
    "image": IMAGE,
}


def saved_image(engine: Engine, folder: Path, image: str, script: str) -> Path:
    command = f'CMD ["/bin/sh", "-c", "{script}"]'
    engine.cli("import", "--change", command, "-", image, stdin=busybox_root())
    archive = folder / "image.tar"
    engine.cli("save", "-o", str(archive), image)
    engine.cli("rmi", image)
    return archive


@pytest.fixture
def engine(dockerd: Engine) -> Iterator[Engine]:
    """The private engine; no app container, volume or image is left in it after the test."""
    yield dockerd
    leftovers = app_things(dockerd)
    for name in leftovers["containers"]:
        dockerd.api("DELETE", f"/containers/{name}", params={"force": "true"})
    for name in leftovers["volumes"]:
        dockerd.api("DELETE", f"/volumes/{name}")
    for name in leftovers["images"]:
        dockerd.api("DELETE", f"/images/{name}", params={"force": "true"})
    assert leftovers == {"containers": [], "volumes": [], "images": []}


@pytest.fixture
def vendor(tmp_path: Path) -> tuple[bytes, str]:
    generate_key(tmp_path / "vendor.pem", tmp_path / "vendor.pub")
    return (tmp_path / "vendor.pem").read_bytes(), (tmp_path / "vendor.pub").read_text()


@asynccontextmanager
async def system(engine: Engine, nats_server: str, data: Path) -> AsyncIterator[None]:
    """The system service driving the private engine; apps on no network (none is needed)."""
    settings = SystemSettings(
        nats_url=nats_server,
        data_dir=data,
        metrics_port=0,
        engine="docker",
        docker_socket=engine.socket,
        apps_network="none",
    )
    async with running(serve, settings):
        yield


async def log_saying(bus: Bus, words: str, timeout_s: float = 20.0, app: str = APP) -> str:
    deadline = time.monotonic() + timeout_s
    while True:
        text = (await bus.request(GetAppLog(name=app))).text
        if words in text:
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"the app's log never said {words!r}; it says {text!r}")
        await asyncio.sleep(0.2)


def app_things(engine: Engine) -> dict[str, list[str]]:
    """What the engine holds of apps: containers and volumes by label, images by name."""
    containers = engine.api(
        "GET", "/containers/json", params={"all": "1", "filters": '{"label": ["org.actkit.app"]}'}
    )
    volumes = engine.api("GET", "/volumes", params={"filters": '{"label": ["org.actkit.app"]}'})
    images = engine.api("GET", "/images/json")
    return {
        "containers": [c["Names"][0].lstrip("/") for c in containers],
        "volumes": [v["Name"] for v in volumes["Volumes"] or []],
        "images": [t for i in images for t in i.get("RepoTags") or [] if t.startswith("apps/")],
    }


def busybox_root() -> bytes:
    """A root of busybox and the links to the applets the app runs."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as root:
        root.add(BUSYBOX, arcname="bin/busybox")
        for applet in ("sh", "echo", "touch", "sleep", "nc", "head", "cat"):
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type, link.linkname = tarfile.SYMTYPE, "busybox"
            root.addfile(link)
        for name in ("data", "tmp", "proc", "sys", "dev", "etc"):
            folder = tarfile.TarInfo(name)
            folder.type, folder.mode = tarfile.DIRTYPE, 0o755
            root.addfile(folder)
    return data.getvalue()
