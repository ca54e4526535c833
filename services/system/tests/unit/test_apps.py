"""Apps on the simulated engine: trust, install, start/stop, restart, delete, log, uploads."""

import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Conflict, Forbidden, Invalid, NotFound
from actkit_proto.base import Actor, Role
from actkit_proto.system import (
    AppPackage,
    AppsSettings,
    DeleteApp,
    GetAppLicence,
    GetAppLog,
    InstallApp,
    ListApps,
    SetAppsSettings,
    StartApp,
    StopApp,
    UploadAppArchive,
)
from actkit_system.adapters.sim import SIM_GATEWAY, SimEngine
from actkit_system.domain.apps import LABEL, NETWORK_LABEL
from actkit_system.handlers import Deps
from actkit_system.handlers.app_package import install, signed_package
from actkit_system.handlers.rollout.bundle import generate_key

from .app_packages import CONTAINER, IMAGE_ID, VOLUME, archive, manifest


@pytest.fixture
async def trusted(fake_bus: FakeBus, deps: Deps, vendor: tuple[bytes, str]) -> bytes:
    await fake_bus.request(SetAppsSettings(settings=AppsSettings(public_keys=[vendor[1]])))
    return vendor[0]


async def test_a_signed_app_is_installed_stopped_in_a_container_without_privileges(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine, trusted: bytes, tmp_path: Path
) -> None:
    image = archive(tmp_path)
    reply = await install(fake_bus, image, signed_package(manifest(), image, trusted), "up-00001")
    assert (reply.app.name, reply.app.is_signed, reply.app.is_running) == ("trip-log", True, False)
    assert (reply.app.status, reply.app.has_settings) == ("created", True)
    container = engine.containers[CONTAINER]
    assert container.image == IMAGE_ID
    host = container.spec["HostConfig"]
    assert isinstance(host, dict)
    assert host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["ALL"]
    assert host["SecurityOpt"] == ["no-new-privileges"]
    assert (host["Memory"], host["MemorySwap"]) == (64 * 2**20, 64 * 2**20)
    assert host["NanoCpus"] == 250_000_000
    # Its own network, made internal by the engine; the bus at its gateway, this host.
    assert host["NetworkMode"] == "actkit-apps"
    assert engine.networks == {"actkit-apps": {NETWORK_LABEL: "true"}}
    env = container.spec["Env"]
    assert isinstance(env, list)
    assert f"ACTKIT_APP_NATS_URL=nats://{SIM_GATEWAY}:4222" in env
    assert host["Mounts"] == [{"Type": "volume", "Source": VOLUME, "Target": "/data"}]
    assert engine.volumes == {VOLUME: {LABEL: "trip-log"}}
    assert not list((tmp_path / "app-uploads").iterdir())


async def test_an_unsigned_app_is_refused_until_unsigned_apps_are_allowed(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine, tmp_path: Path
) -> None:
    image = archive(tmp_path)
    unsigned = signed_package(manifest(), image, None)
    with pytest.raises(Forbidden, match="not signed; turn on Allow unsigned apps"):
        await install(fake_bus, image, unsigned, "up-00001")
    assert (engine.images, engine.volumes, CONTAINER in engine.containers) == ({}, {}, False)
    assert (await fake_bus.request(ListApps())).apps == []

    await fake_bus.request(SetAppsSettings(settings=AppsSettings(allow_unsigned=True)))
    reply = await install(fake_bus, image, unsigned, "up-00002")
    assert (reply.app.name, reply.app.is_signed) == ("trip-log", False)


async def test_a_signature_of_an_untrusted_vendor_or_another_archive_is_refused(
    fake_bus: FakeBus,
    deps: Deps,
    engine: SimEngine,
    trusted: bytes,
    tmp_path: Path,
    vendor: tuple[bytes, str],
) -> None:
    image = archive(tmp_path)
    generate_key(tmp_path / "other.pem", tmp_path / "other.pub")
    stranger = signed_package(manifest(), image, (tmp_path / "other.pem").read_bytes())
    with pytest.raises(Forbidden, match="does not verify with any trusted vendor key"):
        await install(fake_bus, image, stranger, "up-00001")
    other = archive(tmp_path, tags=["apps/trip-log:1.0.0", "apps/trip-log:latest"], name="b.tar")
    with pytest.raises(Forbidden, match="SHA-256 differs"):
        await install(fake_bus, other, signed_package(manifest(), image, trusted), "up-00002")
    with pytest.raises(Invalid, match=r"one image tagged apps/trip-log:1\.0\.0; it tags"):
        await install(fake_bus, other, signed_package(manifest(), other, trusted), "up-00003")
    assert (engine.images, engine.volumes, CONTAINER in engine.containers) == ({}, {}, False)


async def test_a_manifest_with_an_unknown_field_or_out_of_limits_is_refused_in_words(
    fake_bus: FakeBus, deps: Deps, trusted: bytes, tmp_path: Path
) -> None:
    image = archive(tmp_path)
    text = json.dumps({**manifest(), "privileged": True, "image_sha256": "0" * 64})
    package = AppPackage(manifest=text, upload_id="up-00001")
    await fake_bus.request(SetAppsSettings(settings=AppsSettings(allow_unsigned=True)))
    with pytest.raises(Invalid, match="privileged: unknown field"):
        await fake_bus.request(InstallApp(package=package))
    with pytest.raises(Invalid, match="memory_mb: Input should be less than or equal to 1024"):
        signed_package(manifest(memory_mb=4096), image, trusted)
    with pytest.raises(Invalid, match="name the app's image apps/trip-log:<tag>"):
        signed_package(manifest(image="apps/other:1"), image, trusted)


async def test_an_app_comes_back_in_its_last_state_after_a_restart(
    fake_bus: FakeBus,
    start: Callable[[], AbstractAsyncContextManager[Deps]],
    engine: SimEngine,
    vendor: tuple[bytes, str],
    tmp_path: Path,
) -> None:
    image = archive(tmp_path)
    async with start():
        await fake_bus.request(SetAppsSettings(settings=AppsSettings(public_keys=[vendor[1]])))
        await install(fake_bus, image, signed_package(manifest(), image, vendor[0]), "up-00001")
        started = await fake_bus.request(StartApp(name="trip-log"))
        assert (started.app.is_running, started.app.should_run) == (True, True)
    # The engine lost the container while the system service was away (a device restart).
    del engine.containers[CONTAINER]
    async with start():
        (app,) = (await fake_bus.request(ListApps())).apps
        assert (app.is_running, app.status) == (True, "running")
        stopped = await fake_bus.request(StopApp(name="trip-log"))
        assert (stopped.app.is_running, stopped.app.should_run) == (False, False)
    await engine.start(CONTAINER)  # started behind its back: it is stopped again
    async with start():
        assert engine.containers[CONTAINER].is_running is False


async def test_delete_leaves_no_container_volume_or_image(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine, trusted: bytes, tmp_path: Path
) -> None:
    image = archive(tmp_path)
    await install(fake_bus, image, signed_package(manifest(), image, trusted), "up-00001")
    await fake_bus.request(StartApp(name="trip-log"))
    with pytest.raises(Conflict, match=r"trip-log 1\.0\.0 is installed already"):
        await install(fake_bus, image, signed_package(manifest(), image, trusted), "up-00002")
    assert (await fake_bus.request(DeleteApp(name="trip-log"))).apps == []
    assert (engine.images, engine.volumes, CONTAINER in engine.containers) == ({}, {}, False)
    with pytest.raises(NotFound, match="no app trip-log is installed"):
        await fake_bus.request(StartApp(name="trip-log"))


async def test_the_log_and_licence_of_an_app(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine, trusted: bytes, tmp_path: Path
) -> None:
    image = archive(tmp_path)
    await install(fake_bus, image, signed_package(manifest(), image, trusted), "up-00001")
    for _ in range(3):
        await fake_bus.request(StartApp(name="trip-log"))
        await fake_bus.request(StopApp(name="trip-log"))
    log = await fake_bus.request(GetAppLog(name="trip-log", lines=2))
    assert (log.text, log.is_truncated) == (f"started {IMAGE_ID}\n" * 2, False)
    assert (await fake_bus.request(GetAppLicence(name="trip-log"))).text == "MIT"


async def test_only_an_administrator_installs_and_a_viewer_lists(
    fake_bus: FakeBus, deps: Deps, trusted: bytes, tmp_path: Path
) -> None:
    operator = Actor(name="op", role=Role.OPERATOR)
    with pytest.raises(Forbidden, match="op is operator; this needs administrator"):
        await fake_bus.request(
            UploadAppArchive(upload_id="up-00001", offset=0, data="AAAA", actor=operator)
        )
    with pytest.raises(Forbidden, match="this needs administrator"):
        await fake_bus.request(StartApp(name="trip-log", actor=operator))
    viewer = Actor(name="v", role=Role.VIEWER)
    assert (await fake_bus.request(ListApps(actor=viewer))).apps == []


async def test_an_upload_goes_on_at_its_end_and_stays_within_the_limit(
    fake_bus: FakeBus, deps: Deps, tmp_path: Path
) -> None:
    first = await fake_bus.request(UploadAppArchive(upload_id="up-00001", offset=0, data="AAAA"))
    assert first.received_bytes == 3
    with pytest.raises(Conflict, match="has 3 bytes: send the chunk at offset 3"):
        await fake_bus.request(UploadAppArchive(upload_id="up-00001", offset=1, data="AAAA"))
    with pytest.raises(Invalid, match="data: not base64"):
        await fake_bus.request(UploadAppArchive(upload_id="up-00001", offset=3, data="A!"))
    deps.apps.upload_max_bytes = 5
    with pytest.raises(Invalid, match="larger than 5 bytes"):
        await fake_bus.request(UploadAppArchive(upload_id="up-00001", offset=3, data="AAAA"))
    assert (tmp_path / "app-uploads" / "up-00001.tar").stat().st_size == 3
