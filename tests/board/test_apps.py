"""The example app on the board's compose stack: installed through REST, on the bus as its own user.

The trip log is built from ``apps/trip-log`` into the board's engine (on the board's base image),
saved with ``docker save`` and removed from the engine, then signed here with a vendor key the
device is told to trust: installing it loads the archive for real. The app runs in the apps'
own network (``actkit-apps``: internal, no route beyond it), where it reaches nats; the web's
proxy reaches its page from the host, which has that network's gateway address (the forked
layout's ``actkit`` is on the host's network).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_proto.io import Circuit, ConfigurePort, Direction, DriveInput
from actkit_proto.system import Location, SetLocation
from actkit_system.handlers.app_package import signed_package
from actkit_system.handlers.rollout.bundle import generate_key

from .conftest import REPO, Board

pytestmark = pytest.mark.timeout(300)

APP = "trip-log"
IMAGE = "apps/trip-log:1.0.0"
CONTAINER = f"actkit-app-{APP}"
USER = f"app-{APP}"
BASE = "actkit-base:bookworm"
ADMIN: dict[str, Any] = {"name": "root", "password": "pass-w0rd", "accept_licence": True}
CHUNK = 256 * 1024
SLOW_S = 60.0
DEPOT = Location(latitude=59.3293, longitude=18.0686, label="Depot")
"""A loaded two-core machine takes its time to load an image and start a container."""


@pytest.fixture(scope="module")
def trip_log(board: Board, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The trip log's image as a ``docker save`` archive; the engine keeps no copy of it."""
    try:
        board.docker("image", "inspect", BASE)
    except RuntimeError:
        pytest.fail(f"the board's base {BASE} is missing: make images makes it")
    folder = tmp_path_factory.mktemp("trip-log")
    board.docker(
        "build", "-q", "--build-arg", f"BASE={BASE}", "-t", IMAGE, str(REPO / "apps/trip-log")
    )
    board.docker("save", "-o", str(folder / "image.tar"), IMAGE)
    board.docker("rmi", IMAGE)
    yield folder / "image.tar"


@pytest.fixture
async def dashboard(board: Board) -> AsyncIterator[httpx.AsyncClient]:
    """The REST API as the first administrator (made here when the device has none)."""
    api = f"http://127.0.0.1:{board.http_port}/api/v1/"
    async with httpx.AsyncClient(base_url=api, timeout=SLOW_S) as http:
        created = await http.post("setup", json=ADMIN)
        assert created.status_code in (201, 409), created.text
    auth = httpx.DigestAuth(ADMIN["name"], ADMIN["password"])
    async with httpx.AsyncClient(base_url=api, auth=auth, timeout=SLOW_S) as http:
        yield http


@pytest.fixture
def removed_after(board: Board) -> Iterator[None]:
    """Whatever the test leaves of the app is removed, so the stack's purge finds nothing."""
    yield
    for args in (
        ("rm", "-f", CONTAINER),
        ("volume", "rm", "-f", f"{CONTAINER}-data"),
        ("rmi", "-f", IMAGE),
    ):
        with contextlib.suppress(RuntimeError):
            board.docker(*args)


async def test_the_trip_log_runs_as_its_own_user_and_leaves_nothing_when_deleted(
    board: Board,
    board_bus: Bus,
    dashboard: httpx.AsyncClient,
    trip_log: Path,
    tmp_path: Path,
    removed_after: None,
) -> None:
    generate_key(tmp_path / "vendor.pem", tmp_path / "vendor.pub")
    manifest = json.loads((REPO / "apps/trip-log/manifest.json").read_text())
    package = signed_package(manifest, trip_log, (tmp_path / "vendor.pem").read_bytes())
    trusted = {"public_keys": [(tmp_path / "vendor.pub").read_text()]}
    assert (await dashboard.put("apps-settings", json=trusted)).status_code == 200
    await _upload(dashboard, trip_log, "board-trip-log")
    installed = await dashboard.post("apps", json={**package, "upload_id": "board-trip-log"})
    assert installed.status_code == 201, installed.text
    # Everything it asks for: the inputs and the ignition, and where the device is.
    approved = await dashboard.put(f"apps/{APP}/subjects", json=manifest["subjects"])
    assert approved.status_code == 200, approved.text
    await board_bus.request(SetLocation(location=DEPOT))
    started = await dashboard.post(f"apps/{APP}/start")
    assert started.status_code == 200, started.text

    # In the apps' network only, which is internal; nats-server is in it, the web's proxy too or
    # (forked layout) on the host, which holds the network's gateway.
    host = json.loads(board.inspect(CONTAINER, "{{json .HostConfig}}"))
    assert host["NetworkMode"] == "actkit-apps"
    assert board.inspect(CONTAINER, "{{json .NetworkSettings.Networks}}").count('"IPAddress"') == 1
    assert _network(board)["Internal"] is True
    # Connected as its user: it read its settings, which the bus keeps for it alone.
    await _log_saying(dashboard, "settings: record_inputs=True")

    await board_bus.request(ConfigurePort(port_id=1, name="Door", direction=Direction.INPUT))
    circuits = iter([Circuit.CLOSED, Circuit.OPEN] * 30)

    async def recorded() -> str | None:
        # An input change, recorded with the location the app asked for when it connected.
        await board_bus.request(DriveInput(port_id=1, circuit=next(circuits)))
        page = await dashboard.get(f"http://127.0.0.1:{board.http_port}/apps/{APP}/trip-log.csv")
        where = ',port 1,active,closed,"Depot (59.329300, 18.068600)"'
        return page.text if page.status_code == 200 and where in page.text else None

    csv = await eventually(recorded, timeout_s=SLOW_S, interval_s=1.0)
    assert csv.startswith("time,what,state,circuit,location")

    password = _app_password(board)
    seen = await _commands_seen(board_bus)
    errors: list[str] = []
    app = await _connect_as_app(board, password, errors)
    try:
        await app.publish("io.port.3.set", b'{"is_active": true}')
        await app.flush()
        await eventually(lambda: any("permissions violation" in e for e in errors))
        assert seen == []
    finally:
        await app.close()

    deleted = await dashboard.delete(f"apps/{APP}")
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {"apps": []}
    leftovers = board.docker("ps", "-aq", "--filter", "label=org.actkit.app")
    assert leftovers == ""
    assert f"{CONTAINER}-data" not in board.docker("volume", "ls", "-q").split()
    endpoints = {c["Name"] for c in (_network(board)["Containers"] or {}).values()}
    assert endpoints == ({"actkit-nats", "actkit-web"} if board.is_split else {"actkit-nats"})
    # Its user is gone: nats-server refuses its password (once the reload is through).

    async def refused() -> bool:
        try:
            client = await _connect_as_app(board, password, [])
        except (NatsError, OSError, TimeoutError):
            return True
        await client.close()
        return False

    assert await eventually(refused, timeout_s=15)


async def _upload(http: httpx.AsyncClient, archive: Path, upload_id: str) -> None:
    data = archive.read_bytes()
    for offset in range(0, len(data), CHUNK):
        answer = await http.put(
            "apps/upload",
            params={"upload_id": upload_id, "offset": offset},
            content=data[offset : offset + CHUNK],
            headers={"Content-Type": "application/octet-stream"},
        )
        assert answer.status_code == 200, answer.text


async def _log_saying(http: httpx.AsyncClient, words: str) -> str:
    async def said() -> str | None:
        text = (await http.get(f"apps/{APP}/log")).text
        return text if words in text else None

    return await eventually(said, timeout_s=SLOW_S)


def _network(board: Board) -> dict[str, Any]:
    found: list[dict[str, Any]] = json.loads(board.docker("network", "inspect", "actkit-apps"))
    return found[0]


def _app_password(board: Board) -> str:
    env: list[str] = json.loads(board.inspect(CONTAINER, "{{json .Config.Env}}"))
    (password,) = [e.split("=", 1)[1] for e in env if e.startswith("ACTKIT_APP_NATS_PASSWORD=")]
    return password


async def _commands_seen(bus: Bus) -> list[Msg]:
    seen: list[Msg] = []

    async def keep(msg: Msg) -> None:
        seen.append(msg)

    await bus.client.subscribe("io.port.*.set", cb=keep)
    await bus.client.flush()
    return seen


async def _connect_as_app(board: Board, password: str, errors: list[str]) -> Client:
    """The app's user, from here through the published port (its password from its container)."""

    async def record(exc: Exception) -> None:
        errors.append(str(exc).lower())

    client = Client()
    try:
        await client.connect(
            board.nats_url,
            user=USER,
            password=password,
            inbox_prefix=f"_INBOX_{USER}",
            error_cb=record,
            allow_reconnect=False,
            connect_timeout=5,
        )
    except (NatsError, OSError, TimeoutError):
        await client.close()
        raise
    return client
