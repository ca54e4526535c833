"""Apps' licences: a key bound to the app and this device, a licence server, deactivation."""

import base64
import json
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Conflict, Forbidden, Invalid, Unavailable
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

from .app_packages import CONTAINER, archive, manifest, vendor_keys

SERIAL = "ACCC8E123456"
"""The simulated device's serial number (its MAC address AC:CC:8E:12:34:56)."""
NEEDS_KEY = "trip-log needs a licence and has none; activate one"


@pytest.fixture
def vendor(tmp_path: Path) -> tuple[bytes, str]:
    return vendor_keys(tmp_path)


def stranger_key(tmp_path: Path) -> bytes:
    """The private key of a vendor the device does not trust."""
    (tmp_path / "stranger").mkdir()
    return vendor_keys(tmp_path / "stranger")[0]


@pytest.fixture
async def installed(
    fake_bus: FakeBus, deps: Deps, vendor: tuple[bytes, str], tmp_path: Path
) -> bytes:
    """trip-log, which needs a licence, installed from a trusted vendor; the vendor's key."""
    await fake_bus.request(SetAppsSettings(settings=AppsSettings(public_keys=[vendor[1]])))
    image = archive(tmp_path)
    package = signed_package(manifest(needs_licence=True), image, vendor[0])
    await install(fake_bus, image, package, "up-00001")
    return vendor[0]


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


class LicenceServer:
    """A vendor's licence server: a key for a known code, 403 with a sentence otherwise."""

    def __init__(self, private_pem: bytes) -> None:
        self.private_pem = private_pem
        self.asked: list[dict[str, Any]] = []

    async def answer(self, request: web.Request) -> web.Response:
        asked = await request.json()
        self.asked.append(asked)
        if asked["licence_code"] != "CODE-1234":
            return web.Response(status=403, text="unknown licence code")
        key = licence_key(asked["app"], asked["serial"], self.private_pem)
        return web.json_response({"key": key})


@pytest.fixture
async def licence_server(installed: bytes) -> AsyncIterator[tuple[str, LicenceServer]]:
    server = LicenceServer(installed)
    app = web.Application()
    app.router.add_post("/licences", server.answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}/licences", server
    finally:
        await runner.cleanup()


async def test_a_licence_is_activated_automatically_from_the_licence_server(
    fake_bus: FakeBus,
    deps: Deps,
    vendor: tuple[bytes, str],
    licence_server: tuple[str, LicenceServer],
) -> None:
    url, server = licence_server
    trust = AppsSettings(public_keys=[vendor[1]], licence_server_url=url)
    await fake_bus.request(SetAppsSettings(settings=trust))
    with pytest.raises(Unavailable, match=r"refused \(403\): unknown licence code; nothing"):
        await fake_bus.request(FetchAppLicence(name="trip-log", licence_code="WRONG"))
    assert deps.apps.licences.licences == {}
    fetched = await fake_bus.request(FetchAppLicence(name="trip-log", licence_code="CODE-1234"))
    assert fetched.app.is_licensed is True
    assert server.asked[-1] == {"app": "trip-log", "serial": SERIAL, "licence_code": "CODE-1234"}
    assert (await fake_bus.request(StartApp(name="trip-log"))).app.is_running is True


async def test_without_a_licence_server_a_sentence_and_nothing_activated(
    fake_bus: FakeBus, deps: Deps, vendor: tuple[bytes, str], licence_server: tuple[str, Any]
) -> None:
    fetch = FetchAppLicence(name="trip-log", licence_code="CODE-1234")
    with pytest.raises(Unavailable, match="no licence server is set for this device"):
        await fake_bus.request(fetch)
    unknown_path = licence_server[0].replace("/licences", "/gone")
    with socket.socket() as bound:  # bound, never listening: connections to it are refused
        bound.bind(("127.0.0.1", 0))
        cases = {
            unknown_path: r"refused \(404\): 404: Not Found; nothing activated",
            f"http://127.0.0.1:{bound.getsockname()[1]}/": "does not answer .*; nothing activated",
        }
        for url, sentence in cases.items():
            trust = AppsSettings(public_keys=[vendor[1]], licence_server_url=url)
            await fake_bus.request(SetAppsSettings(settings=trust))
            with pytest.raises(Unavailable, match=sentence):
                await fake_bus.request(fetch)
    assert deps.apps.licences.licences == {}


async def test_a_key_from_the_server_signed_by_another_vendor_activates_nothing(
    fake_bus: FakeBus,
    deps: Deps,
    vendor: tuple[bytes, str],
    licence_server: tuple[str, Any],
    tmp_path: Path,
) -> None:
    server: LicenceServer = licence_server[1]
    server.private_pem = stranger_key(tmp_path)
    trust = AppsSettings(public_keys=[vendor[1]], licence_server_url=licence_server[0])
    await fake_bus.request(SetAppsSettings(settings=trust))
    fetch = FetchAppLicence(name="trip-log", licence_code="CODE-1234")
    with pytest.raises(Invalid, match="not signed by any trusted vendor key"):
        await fake_bus.request(fetch)
    assert deps.apps.licences.licences == {}


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
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    private, public = vendor_keys(tmp_path)
    (tmp_path / "vendor.pem").write_bytes(private)
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
