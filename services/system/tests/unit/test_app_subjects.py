"""An app's NATS user and approved subjects (the apps' users file; no server here); its page."""

from collections.abc import Callable
from pathlib import Path

import pytest

from actkit_core.natsconf import APPS_USERS_FILE
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Forbidden, Invalid, Unavailable
from actkit_proto.base import Actor, Role
from actkit_proto.system import (
    ApproveAppSubjects,
    AppsSettings,
    AppSubjects,
    DeleteApp,
    GetAppPage,
    ListApps,
    SetAppsSettings,
    StartApp,
)
from actkit_system.adapters.sim import SimEngine
from actkit_system.handlers import Deps
from actkit_system.handlers.app_package import install, signed_package
from actkit_system.main import MIGRATIONS
from actkit_system.settings import SystemSettings

from .app_packages import CONTAINER, archive, manifest

ASKS = AppSubjects(
    publish=["io.port.*.set"], subscribe=["io.port.*.changed", "io.ignition.changed"]
)


@pytest.fixture
def settings(tmp_db: Callable[[str], Path], tmp_path: Path) -> SystemSettings:
    """As the shared one, with no nats-server to tell of the apps' users."""
    return SystemSettings(
        db_path=tmp_db(MIGRATIONS),
        data_dir=tmp_path,
        software_version="1.0.0",
        apps_nats_reload="none",
    )


@pytest.fixture
async def installed(
    fake_bus: FakeBus, deps: Deps, vendor: tuple[bytes, str], tmp_path: Path
) -> None:
    await fake_bus.request(SetAppsSettings(settings=AppsSettings(public_keys=[vendor[1]])))
    image = archive(tmp_path)
    asks = manifest(subjects=ASKS.model_dump(), web_port=8080)
    package = signed_package(asks, image, vendor[0])
    await install(fake_bus, image, package, "up-00001")


def users_file(tmp_path: Path) -> str:
    return (tmp_path / APPS_USERS_FILE).read_text()


async def test_the_app_gets_its_user_in_its_container_never_in_a_reply(
    fake_bus: FakeBus, installed: None, engine: SimEngine, tmp_path: Path
) -> None:
    env = dict(line.split("=", 1) for line in engine.containers[CONTAINER].spec["Env"])  # type: ignore[union-attr]
    assert env["ACTKIT_APP_NATS_USER"] == "app-trip-log"
    assert env["ACTKIT_APP_NATS_INBOX"] == "_INBOX_app-trip-log"
    assert env["ACTKIT_APP_JS_API"] == "$JS.actkit.API"
    password = env["ACTKIT_APP_NATS_PASSWORD"]
    assert f'password: "{password}"' in users_file(tmp_path)
    assert (tmp_path / APPS_USERS_FILE).stat().st_mode & 0o777 == 0o600
    listed = await fake_bus.request(ListApps())
    assert password not in listed.to_wire().decode()
    assert listed.apps[0].subjects == ASKS
    assert listed.apps[0].approved_subjects == AppSubjects()
    assert "io.port.*.set" not in users_file(tmp_path)


async def test_approving_some_subjects_lets_the_user_use_those_only(
    fake_bus: FakeBus, installed: None, tmp_path: Path
) -> None:
    some = AppSubjects(subscribe=["io.ignition.changed"])
    reply = await fake_bus.request(ApproveAppSubjects(name="trip-log", subjects=some))
    assert reply.app.approved_subjects == some
    assert '"io.ignition.changed"' in users_file(tmp_path)
    assert "io.port.*" not in users_file(tmp_path)
    await fake_bus.request(ApproveAppSubjects(name="trip-log", subjects=AppSubjects()))
    assert "io.ignition.changed" not in users_file(tmp_path)


async def test_a_subject_the_manifest_does_not_ask_for_is_refused_and_nothing_changes(
    fake_bus: FakeBus, installed: None, tmp_path: Path
) -> None:
    before = users_file(tmp_path)
    wider = AppSubjects(publish=["io.port.*.set", "io.>"])
    with pytest.raises(Invalid, match=r"trip-log does not ask to publish 'io\.>'"):
        await fake_bus.request(ApproveAppSubjects(name="trip-log", subjects=wider))
    assert users_file(tmp_path) == before
    assert (await fake_bus.request(ListApps())).apps[0].approved_subjects == AppSubjects()


async def test_only_an_administrator_approves(fake_bus: FakeBus, installed: None) -> None:
    operator = Actor(name="olle", role=Role.OPERATOR)
    with pytest.raises(Forbidden, match="this needs administrator"):
        await fake_bus.request(ApproveAppSubjects(name="trip-log", subjects=ASKS, actor=operator))


async def test_delete_removes_the_user(fake_bus: FakeBus, installed: None, tmp_path: Path) -> None:
    await fake_bus.request(DeleteApp(name="trip-log"))
    assert users_file(tmp_path) == ""


async def test_an_approval_nats_server_does_not_take_is_refused(
    fake_bus: FakeBus, installed: None, deps: Deps, tmp_path: Path
) -> None:
    class Away:
        async def reload(self) -> None:
            from actkit_system.ports import ReloadFailed

            raise ReloadFailed("no nats-server runs here")

    deps.apps.nats = Away()
    before = users_file(tmp_path)
    with pytest.raises(Unavailable, match="not made: no nats-server runs here"):
        await fake_bus.request(ApproveAppSubjects(name="trip-log", subjects=ASKS))
    assert users_file(tmp_path) == before
    assert (await fake_bus.request(ListApps())).apps[0].approved_subjects == AppSubjects()


async def test_an_apps_own_page_is_where_its_container_runs_while_it_runs(
    fake_bus: FakeBus, installed: None, engine: SimEngine
) -> None:
    from dataclasses import replace

    assert (await fake_bus.request(GetAppPage(name="trip-log"))).url is None  # stopped
    await fake_bus.request(StartApp(name="trip-log"))
    engine.containers[CONTAINER] = replace(engine.containers[CONTAINER], address="172.17.0.9")
    page = await fake_bus.request(GetAppPage(name="trip-log"))
    assert page.url == "http://172.17.0.9:8080"
    viewer = Actor(name="vera", role=Role.VIEWER)
    assert (await fake_bus.request(GetAppPage(name="trip-log", actor=viewer))).url == page.url
