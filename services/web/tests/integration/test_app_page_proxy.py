"""An app's own page under /apps/<name>/: the example app's CSV page, served on a real socket."""

from __future__ import annotations

import asyncio
import html
import importlib.util
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from ..conftest import log_in
from ..fake_apps import FakeApps

TRIP_LOG = Path(__file__).resolve().parents[4] / "apps" / "trip-log" / "trip_log.py"


def _trip_log() -> ModuleType:
    spec = importlib.util.spec_from_file_location("trip_log_page", TRIP_LOG)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
async def trip_log_page(tmp_path: Path) -> AsyncIterator[str]:
    """The example app's page with one row recorded; its address."""
    trip_log = _trip_log()
    log = trip_log.TripLog(tmp_path / "trip-log.csv")
    log.add(("2026-01-02T03:04:05+00:00", "ignition", "on", "", "59.3293 18.0686"))
    server = await trip_log.serve_page(log, 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"


class Recorder:
    """An app's page that says which headers it got, and tries to set a cookie."""

    def __init__(self) -> None:
        self.headers: list[str] = []

    async def answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()
        while line := (await reader.readline()).strip():
            self.headers.append(line.decode().split(":", 1)[0].lower())
        writer.write(
            b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nSet-Cookie: app=1\r\n"
            b"Content-Length: 0\r\nConnection: close\r\n\r\n"
        )
        await writer.drain()
        writer.close()
        await writer.wait_closed()  # closed before the test's loop ends, not left to the GC


async def test_the_example_apps_csv_page_is_shown_to_a_logged_in_person(
    client: httpx.AsyncClient, apps: FakeApps, trip_log_page: str
) -> None:
    apps.page_url = trip_log_page
    assert (await client.get("/apps/view/")).status_code in (302, 303, 401)
    await log_in(client, "view")
    moved = await client.get("/apps/view")
    assert (moved.status_code, moved.headers["location"]) == (307, "/apps/view/")
    page = await client.get("/apps/view/")
    assert page.status_code == 200
    assert '<a href="trip-log.csv">' in page.text
    assert page.headers["content-security-policy"].startswith("sandbox allow-scripts")
    csv = await client.get("/apps/view/trip-log.csv")
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv.text.splitlines() == [
        "time,what,state,circuit,location",
        "2026-01-02T03:04:05+00:00,ignition,on,,59.3293 18.0686",
    ]


async def test_the_device_s_cookies_and_credentials_do_not_reach_the_app(
    client: httpx.AsyncClient, apps: FakeApps
) -> None:
    recorder = Recorder()
    server = await asyncio.start_server(recorder.answer, "127.0.0.1", 0)
    async with server:
        apps.page_url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        await log_in(client)
        assert client.cookies  # the device's session
        answer = await client.get("/apps/view/x?y=1", headers={"X-Secret": "1"})
    assert answer.status_code == 302, answer.text[:300]
    assert recorder.headers and "cookie" not in recorder.headers
    assert {"authorization", "x-secret"} & set(recorder.headers) == set()
    assert "x-forwarded-prefix" in recorder.headers
    assert (answer.status_code, answer.headers["location"]) == (302, "/apps/view/elsewhere")
    assert "set-cookie" not in answer.headers


async def test_a_stopped_app_gets_a_page_that_says_so(
    client: httpx.AsyncClient, apps: FakeApps, trip_log_page: str
) -> None:
    await log_in(client, "view")
    stopped = await client.get("/apps/view/")
    assert stopped.status_code == 503
    assert "the app is stopped, starting, or has no page" in html.unescape(stopped.text)
    apps.page_url = "http://127.0.0.1:9"  # nothing listens: it went away
    assert (await client.get("/apps/view/trip-log.csv")).status_code == 503
    unknown = await client.get("/apps/nothing/")
    assert unknown.status_code == 404
