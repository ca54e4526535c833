"""Apps on dockerd: pulled from a registry by digest, and replaced by a newer version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from actkit_core.bus import Bus
from actkit_proto import Conflict, Unavailable
from actkit_proto.system import (
    AppPackage,
    AppsSettings,
    DeleteApp,
    InstallApp,
    ListApps,
    SetAppsSettings,
    StartApp,
)
from actkit_system.handlers.app_package import install, signed_package

from .apps import (
    APP,
    CONTAINER,
    MANIFEST,
    app_things,
    busybox_root,
    engine,
    log_saying,
    saved_image,
    system,
    vendor,
)
from .engine_host import Engine, registry

__all__ = ["engine", "vendor"]  # the fixtures these tests use

pytestmark = pytest.mark.timeout(240)

FOREVER = "while true; do sleep 1; done"


def version(
    engine: Engine, folder: Path, number: str, script: str
) -> tuple[Path, dict[str, object]]:
    """The app at ``number``: its archive, and its manifest (to sign)."""
    image = f"apps/{APP}:{number}"
    (folder / number).mkdir()
    archive = saved_image(engine, folder / number, image, script)
    return archive, {**MANIFEST, "version": number, "image": image}


async def test_a_newer_version_keeps_the_data_and_one_that_does_not_start_is_rolled_back(
    engine: Engine, bus: Bus, nats_server: str, tmp_path: Path, vendor: tuple[bytes, str]
) -> None:
    key = vendor[0]
    first, first_manifest = version(
        engine, tmp_path, "1.0.0", f"echo 1.0.0 started; echo kept > /data/mark; {FOREVER}"
    )
    second, second_manifest = version(
        engine, tmp_path, "2.0.0", f"echo 2.0.0 started; cat /data/mark; {FOREVER}"
    )
    broken, broken_manifest = version(engine, tmp_path, "3.0.0", "echo 3.0.0 fails; exit 1")
    async with system(engine, nats_server, tmp_path / "data"):
        await bus.request(SetAppsSettings(settings=AppsSettings(public_keys=[vendor[1]])))
        await install(bus, first, signed_package(first_manifest, first, key), "up-00001")
        await bus.request(StartApp(name=APP))
        await log_saying(bus, "1.0.0 started")
        first_id = engine.inspect(CONTAINER)["Id"]

        updated = await install(
            bus, second, signed_package(second_manifest, second, key), "up-00002"
        )
        assert (updated.app.version, updated.app.is_running) == ("2.0.0", True)
        assert engine.inspect(CONTAINER)["Id"] != first_id
        assert "2.0.0 started\nkept\n" in await log_saying(bus, "kept")  # the same volume

        with pytest.raises(Unavailable, match=r"3\.0\.0 is not installed: .* 2\.0\.0 is back"):
            await install(bus, broken, signed_package(broken_manifest, broken, key), "up-00003")
        (app,) = (await bus.request(ListApps())).apps
        assert (app.version, app.is_running) == ("2.0.0", True)
        labels = engine.inspect(CONTAINER)["Config"]["Labels"]
        assert labels["org.actkit.app.version"] == "2.0.0"
        assert sorted(engine.containers()) == [CONTAINER]
        images = app_things(engine)["images"]
        assert images == [f"apps/{APP}:2.0.0"]
        await bus.request(DeleteApp(name=APP))


async def test_an_image_pinned_by_digest_is_pulled_and_a_wrong_digest_refused(
    engine: Engine, bus: Bus, nats_server: str, tmp_path: Path, vendor: tuple[bytes, str]
) -> None:
    (tmp_path / "registry").mkdir()
    with registry(tmp_path / "registry") as served:
        repository = f"{served.address}/vendor/{APP}"
        command = f'CMD ["/bin/sh", "-c", "echo pulled started; {FOREVER}"]'
        engine.cli("import", "--change", command, "-", f"{repository}:1", stdin=busybox_root())
        engine.cli("push", f"{repository}:1")
        digests = json.loads(
            engine.cli("image", "inspect", "-f", "{{json .RepoDigests}}", f"{repository}:1")
        )
        pinned = digests[0]
        engine.cli("rmi", f"{repository}:1")  # the image with it: the install pulls it

        def package(image: str) -> AppPackage:
            manifest = {**MANIFEST, "image": image}
            return AppPackage(**signed_package(manifest, None, vendor[0]))

        async with system(engine, nats_server, tmp_path / "data"):
            await bus.request(SetAppsSettings(settings=AppsSettings(public_keys=[vendor[1]])))
            wrong = f"{repository}@sha256:{'0' * 64}"
            with pytest.raises(Unavailable, match=f"{APP} is not installed: pull {wrong}"):
                await bus.request(InstallApp(package=package(wrong)), timeout_s=180)
            assert _pulled(engine, repository) == []
            assert app_things(engine) == {"containers": [], "volumes": [], "images": []}

            installed = await bus.request(InstallApp(package=package(pinned)), timeout_s=180)
            assert installed.app.status == "created"
            assert _pulled(engine, repository) == [pinned]
            await bus.request(StartApp(name=APP))
            await log_saying(bus, "pulled started")
            with pytest.raises(Conflict, match="is installed already"):
                await bus.request(InstallApp(package=package(pinned)), timeout_s=180)
            await bus.request(DeleteApp(name=APP))
            assert _pulled(engine, repository) == []


def _pulled(engine: Engine, repository: str) -> list[str]:
    """The digests of ``repository`` the engine holds."""
    images = engine.api("GET", "/images/json")
    return [d for i in images for d in i.get("RepoDigests") or [] if d.startswith(repository)]
