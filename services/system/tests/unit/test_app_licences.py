"""Apps' licences: a key bound to the app and this device, deactivation, delete keeps it."""

import base64
import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Conflict, Forbidden, Invalid
from actkit_proto.base import Actor, Role
from actkit_proto.system import (
    ActivateAppLicence,
    AppsSettings,
    DeactivateAppLicence,
    DeleteApp,
    FetchAppLicence,
    ListApps,
    SetAppsSettings,
    StartApp,
)
from actkit_system.adapters.sim import SimEngine
from actkit_system.handlers import Deps
from actkit_system.handlers.app_licence_key import licence_key, main
from actkit_system.handlers.app_package import install, signed_package

from .app_packages import (
    CONTAINER,
    SERIAL,
    archive,
    install_needing_licence,
    manifest,
    stranger_key,
)

NEEDS_KEY = "trip-log needs a licence and has none; activate one"


@pytest.fixture
async def installed(
    fake_bus: FakeBus, deps: Deps, vendor: tuple[bytes, str], tmp_path: Path
) -> bytes:
    return await install_needing_licence(fake_bus, vendor, tmp_path)


async def test_an_app_that_needs_a_licence_starts_once_a_key_for_this_device_is_activated(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine, installed: bytes, clock: FakeClock
) -> None:
    assert deps.identity.serial_number == SERIAL
    with pytest.raises(Conflict, match=NEEDS_KEY):
        await fake_bus.request(StartApp(name="trip-log"))
    assert engine.containers[CONTAINER].is_running is False

    ends = clock.now() + timedelta(days=30)
    key = licence_key("trip-log", SERIAL.lower(), installed, expires=ends)
    activated = await fake_bus.request(ActivateAppLicence(name="trip-log", key=key))
    assert (activated.app.is_licensed, activated.app.licence_expires) == (True, ends)
    assert (await fake_bus.request(StartApp(name="trip-log"))).app.is_running is True

    clock.advance(days=31)
    (app,) = (await fake_bus.request(ListApps())).apps
    assert (app.is_licensed, app.is_running) == (False, True)  # ended while it ran: it runs on
    await deps.apps.engine.stop(CONTAINER)
    with pytest.raises(Conflict, match=r"the licence of trip-log expired on .*; activate a new"):
        await fake_bus.request(StartApp(name="trip-log"))


@pytest.mark.parametrize(
    ("key_for", "refusal"),
    [
        ({"serial": "ACCC8E000001"}, Invalid("for the device ACCC8E000001, not this one")),
        ({"app": "other-app"}, Invalid("for the app other-app, not trip-log")),
        ({"expires": -1}, Invalid("the licence key expired on")),
        ({"signer": "stranger"}, Invalid("not signed by any trusted vendor key")),
        ({"text": "not a key"}, Invalid("not a licence key")),
        ({"text": "e30.AAAA"}, Invalid("not signed by any trusted vendor key")),
    ],
)
async def test_a_key_for_another_device_app_or_vendor_or_expired_is_refused_and_nothing_kept(
    fake_bus: FakeBus,
    deps: Deps,
    installed: bytes,
    clock: FakeClock,
    tmp_path: Path,
    key_for: dict[str, Any],
    refusal: Invalid,
) -> None:
    signer = stranger_key(tmp_path) if key_for.get("signer") else installed
    expires = clock.now() + timedelta(days=key_for.get("expires", 1))
    key = key_for.get("text") or licence_key(
        key_for.get("app", "trip-log"), key_for.get("serial", SERIAL), signer, expires
    )
    with pytest.raises(Invalid, match=refusal.message):
        await fake_bus.request(ActivateAppLicence(name="trip-log", key=key))
    assert deps.apps.licences.licences == {}
    with pytest.raises(Conflict, match=NEEDS_KEY):
        await fake_bus.request(StartApp(name="trip-log"))


async def test_deactivating_stops_the_app_and_removes_the_licence_kept_across_restarts(
    fake_bus: FakeBus,
    start: Callable[[], AbstractAsyncContextManager[Deps]],
    engine: SimEngine,
    vendor: tuple[bytes, str],
    tmp_path: Path,
) -> None:
    image = archive(tmp_path)
    async with start():
        await fake_bus.request(SetAppsSettings(settings=AppsSettings(public_keys=[vendor[1]])))
        package = signed_package(manifest(needs_licence=True), image, vendor[0])
        await install(fake_bus, image, package, "up-00001")
        key = licence_key("trip-log", SERIAL, vendor[0])
        await fake_bus.request(ActivateAppLicence(name="trip-log", key=key))
        await fake_bus.request(StartApp(name="trip-log"))
    async with start():  # the licence is kept: the app is back running
        (app,) = (await fake_bus.request(ListApps())).apps
        assert (app.is_licensed, app.licence_expires, app.is_running) == (True, None, True)
        gone = await fake_bus.request(DeactivateAppLicence(name="trip-log"))
        assert (gone.app.is_licensed, gone.app.is_running, gone.app.should_run) == (
            False,
            False,
            False,
        )
    async with start():
        (app,) = (await fake_bus.request(ListApps())).apps
        assert (app.is_licensed, app.is_running) == (False, False)
        with pytest.raises(Conflict, match=NEEDS_KEY):
            await fake_bus.request(StartApp(name="trip-log"))


async def test_delete_keeps_the_licence_for_the_app_installed_again(
    fake_bus: FakeBus, deps: Deps, installed: bytes, tmp_path: Path
) -> None:
    key = licence_key("trip-log", SERIAL, installed)
    await fake_bus.request(ActivateAppLicence(name="trip-log", key=key))
    await fake_bus.request(DeleteApp(name="trip-log"))
    image = archive(tmp_path)
    package = signed_package(manifest(needs_licence=True), image, installed)
    again = await install(fake_bus, image, package, "up-00002")
    assert again.app.is_licensed is True
    assert (await fake_bus.request(StartApp(name="trip-log"))).app.is_running is True


async def test_only_an_administrator_activates_or_deactivates(
    fake_bus: FakeBus, deps: Deps, installed: bytes
) -> None:
    operator = Actor(name="op", role=Role.OPERATOR)
    key = licence_key("trip-log", SERIAL, installed)
    for command in (
        ActivateAppLicence(name="trip-log", key=key, actor=operator),
        FetchAppLicence(name="trip-log", licence_code="CODE-1234", actor=operator),
        DeactivateAppLicence(name="trip-log", actor=operator),
    ):
        with pytest.raises(Forbidden, match="op is operator; this needs administrator"):
            await fake_bus.request(command)
    assert deps.apps.licences.licences == {}


def test_the_licence_key_tool_prints_a_key_the_device_reads(
    tmp_path: Path, vendor: tuple[bytes, str], capsys: pytest.CaptureFixture[str]
) -> None:
    public = vendor[1]
    argv = ["--app", "trip-log", "--serial", SERIAL, "--key", str(tmp_path / "vendor.pem")]
    assert main([*argv, "--expires", "2030-01-01T00:00Z"]) == 0
    payload = capsys.readouterr().out.strip().split(".")[0]
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert body == {
        "format_version": 1,
        "app": "trip-log",
        "serial": SERIAL,
        "expires": "2030-01-01T00:00:00Z",
    }
    assert public.startswith("-----BEGIN PUBLIC KEY-----")
