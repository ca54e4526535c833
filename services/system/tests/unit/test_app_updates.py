"""Apps from a registry by digest, and a newer version replacing an installed app (sim engine)."""

from pathlib import Path

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Conflict, Invalid, Unavailable
from actkit_proto.system import (
    ActivateAppLicence,
    AppPackage,
    ApproveAppSubjects,
    AppsSettings,
    AppSubjects,
    GetAppSettings,
    InstallApp,
    ListApps,
    SetAppSettings,
    SetAppsSettings,
    StartApp,
)
from actkit_system.adapters.sim import SimEngine
from actkit_system.handlers import Deps
from actkit_system.handlers.app_licence_key import licence_key
from actkit_system.handlers.app_package import install, signed_package
from actkit_system.settings import SystemSettings

from .app_packages import (
    CONTAINER,
    IMAGE_ID,
    SERIAL,
    VOLUME,
    archive,
    install_needing_licence,
    manifest,
)

NEW_ID = "sha256:" + "cd" * 32
PINNED = "127.0.0.1:5000/vendor/trip-log@sha256:" + "ef" * 32
SUBSCRIBES = ["io.ignition.changed", "io.port.*.changed"]


@pytest.fixture
def settings(settings: SystemSettings) -> SystemSettings:
    """As the shared one, with no nats-server to tell of the apps' users."""
    return settings.model_copy(update={"apps_nats_reload": "none"})


@pytest.fixture
async def trusted(fake_bus: FakeBus, deps: Deps, vendor: tuple[bytes, str]) -> bytes:
    await fake_bus.request(SetAppsSettings(settings=AppsSettings(public_keys=[vendor[1]])))
    return vendor[0]


@pytest.fixture
async def running_1_0_0(fake_bus: FakeBus, trusted: bytes, tmp_path: Path) -> None:
    """trip-log 1.0.0 installed, set, approved and running."""
    image = archive(tmp_path)
    await install(fake_bus, image, signed_package(manifest(), image, trusted), "up-00001")
    await fake_bus.request(SetAppSettings(name="trip-log", values={"keep_days": 7}))
    approved = AppSubjects(subscribe=SUBSCRIBES)
    await fake_bus.request(ApproveAppSubjects(name="trip-log", subjects=approved))
    await fake_bus.request(StartApp(name="trip-log"))


def version_1_1_0(
    folder: Path, trusted: bytes, **changes: object
) -> tuple[Path, dict[str, object]]:
    image = archive(folder, ["apps/trip-log:1.1.0"], name="new.tar", image_id=NEW_ID)
    changed = manifest(version="1.1.0", image="apps/trip-log:1.1.0", **changes)
    return image, signed_package(changed, image, trusted)


async def test_a_newer_version_replaces_the_container_and_keeps_data_settings_and_approvals(
    fake_bus: FakeBus, engine: SimEngine, running_1_0_0: None, trusted: bytes, tmp_path: Path
) -> None:
    image, package = version_1_1_0(tmp_path, trusted)
    reply = await install(fake_bus, image, package, "up-00002")
    assert (reply.app.version, reply.app.is_running, reply.app.should_run) == ("1.1.0", True, True)
    assert reply.app.approved_subjects == AppSubjects(subscribe=SUBSCRIBES)
    assert engine.containers[CONTAINER].image == NEW_ID
    assert f"{CONTAINER}-previous" not in engine.containers
    assert list(engine.volumes) == [VOLUME]
    assert f"remove volume {VOLUME}" not in engine.calls
    assert IMAGE_ID not in engine.images.values()
    values = await fake_bus.request(GetAppSettings(name="trip-log"))
    assert values.values == {"keep_days": 7}


async def test_a_licence_stays_with_the_app_across_its_update(
    fake_bus: FakeBus, deps: Deps, vendor: tuple[bytes, str], tmp_path: Path
) -> None:
    key = await install_needing_licence(fake_bus, vendor, tmp_path)
    licence = licence_key("trip-log", SERIAL, key)
    await fake_bus.request(ActivateAppLicence(name="trip-log", key=licence))
    await fake_bus.request(StartApp(name="trip-log"))
    image, package = version_1_1_0(tmp_path, key, needs_licence=True)
    reply = await install(fake_bus, image, package, "up-00002")
    assert (reply.app.version, reply.app.is_licensed, reply.app.is_running) == (
        "1.1.0",
        True,
        True,
    )


async def test_a_new_version_that_does_not_start_puts_the_previous_one_back(
    fake_bus: FakeBus, engine: SimEngine, running_1_0_0: None, trusted: bytes, tmp_path: Path
) -> None:
    engine.crashing_images.add(NEW_ID)
    image, package = version_1_1_0(tmp_path, trusted)
    with pytest.raises(
        Unavailable, match=r"1\.1\.0 is not installed: it stopped .* 1\.0\.0 is back"
    ):
        await install(fake_bus, image, package, "up-00002")
    container = engine.containers[CONTAINER]
    assert (container.image, container.is_running) == (IMAGE_ID, True)
    assert f"{CONTAINER}-previous" not in engine.containers
    assert NEW_ID not in engine.images.values()
    (app,) = (await fake_bus.request(ListApps())).apps
    assert (app.version, app.is_running) == ("1.0.0", True)


async def test_the_same_version_or_settings_the_new_one_refuses_change_nothing(
    fake_bus: FakeBus, engine: SimEngine, running_1_0_0: None, trusted: bytes, tmp_path: Path
) -> None:
    again = archive(tmp_path, name="again.tar")
    with pytest.raises(Conflict, match=r"trip-log 1\.0\.0 is installed already"):
        await install(fake_bus, again, signed_package(manifest(), again, trusted), "up-00002")
    narrower = {"type": "object", "properties": {"keep_days": {"type": "integer", "maximum": 5}}}
    image, package = version_1_1_0(tmp_path, trusted, settings_schema=narrower)
    with pytest.raises(Conflict, match=r"settings do not fit version 1\.1\.0 \(keep_days: 7 is"):
        await install(fake_bus, image, package, "up-00003")
    assert engine.containers[CONTAINER].image == IMAGE_ID
    assert NEW_ID not in engine.images.values()


async def test_an_image_pinned_by_digest_is_pulled_and_a_missing_one_leaves_nothing(
    fake_bus: FakeBus, engine: SimEngine, trusted: bytes
) -> None:
    pinned = manifest(image=PINNED)
    engine.missing_images.add(PINNED)
    package = AppPackage(**signed_package(pinned, None, trusted))
    with pytest.raises(Unavailable, match=r"trip-log is not installed: pull .*manifest unknown"):
        await fake_bus.request(InstallApp(package=package))
    assert (CONTAINER in engine.containers, engine.volumes) == (False, {})
    assert (await fake_bus.request(ListApps())).apps == []

    engine.missing_images.clear()
    reply = await fake_bus.request(InstallApp(package=package))
    assert reply.app.status == "created"
    assert f"pull {PINNED}" in engine.calls
    assert engine.containers[CONTAINER].image == engine.images[PINNED]


async def test_a_package_names_its_image_one_way_only(
    fake_bus: FakeBus, trusted: bytes, tmp_path: Path
) -> None:
    with pytest.raises(Invalid, match="send no upload_id"):
        package = signed_package(manifest(image=PINNED), None, trusted)
        await fake_bus.request(InstallApp(package=AppPackage(**package, upload_id="up-00001")))
    with pytest.raises(Invalid, match="upload_id: the image archive must be uploaded first"):
        image = archive(tmp_path)
        package = signed_package(manifest(), image, trusted)
        await fake_bus.request(InstallApp(package=AppPackage(**package)))
    with pytest.raises(Invalid, match="image_sha256: only an archive has one"):
        signed_package(manifest(image=PINNED, image_sha256="0" * 64), None, trusted)
    with pytest.raises(Invalid, match=r"name the app's image <registry>/…/trip-log@sha256"):
        signed_package(manifest(image=PINNED.replace("trip-log", "other")), None, trusted)
