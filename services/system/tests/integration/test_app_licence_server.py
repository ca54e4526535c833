"""The licence server "Activate license automatically" asks: a real HTTP server (aiohttp).

Each test starts one that answers signed keys or refuses; or there is none at all.
"""

import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Invalid, Unavailable
from actkit_proto.system import AppsSettings, FetchAppLicence, SetAppsSettings, StartApp
from actkit_system.handlers import Deps
from actkit_system.handlers.app_licence_key import licence_key

from ..unit.app_packages import SERIAL, install_needing_licence, stranger_key


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
async def installed(
    fake_bus: FakeBus, deps: Deps, vendor: tuple[bytes, str], tmp_path: Path
) -> bytes:
    return await install_needing_licence(fake_bus, vendor, tmp_path)


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
