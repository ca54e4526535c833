"""An app's own NATS user on a real nats-server with the generated configuration.

The server runs as ``actkit run`` runs it: its configuration includes the apps' users file in the
system service's data folder, and the system service has it reload by its pid.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from actkit_core.bus import Bus
from actkit_core.natsconf import APPS_USERS_FILE, password_variable, render
from actkit_core.natsserver import NatsServer
from actkit_core.testing.eventually import eventually
from actkit_proto import Invalid
from actkit_proto.services import SERVICE_NAMES
from actkit_proto.system import (
    ApproveAppSubjects,
    AppsSettings,
    AppSubjects,
    DeleteApp,
    ListApps,
    SetAppsSettings,
)
from actkit_system.handlers.app_package import install, signed_package
from actkit_system.main import serve
from actkit_system.settings import SystemSettings

from ..unit.app_packages import archive, manifest
from .serving import until_answering

pytestmark = pytest.mark.timeout(60)

APP_USER = "app-trip-log"
ASKS = AppSubjects(publish=["io.port.*.set"], subscribe=["io.port.*.changed"])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """nats-server as ``actkit run`` starts it: the services' users and the apps' file."""
    config = tmp_path / "nats-server.conf"
    config.write_text(render(has_app_users=True))
    (tmp_path / APPS_USERS_FILE).touch(mode=0o600)
    users = [*SERVICE_NAMES, "cli", "integrator"]
    env = {password_variable(user): f"pw-{user}" for user in users}
    nats_server = NatsServer(store_dir=tmp_path / "nats", config=config, env=env)
    yield nats_server.start()
    nats_server.stop()


@asynccontextmanager
async def system_and_cli(url: str, data: Path) -> AsyncIterator[Bus]:
    settings = SystemSettings(
        nats_url=url,
        nats_user="system",
        nats_password="pw-system",  # type: ignore[arg-type]
        data_dir=data,
        metrics_port=0,
    )
    # As its own user, which may not ping itself: the test's client waits for it to answer.
    ready = asyncio.Event()
    task = asyncio.create_task(serve(settings, ready=ready))
    try:
        await asyncio.wait_for(ready.wait(), 10)
        async with Bus.connect("test", servers=[url], user="cli", password="pw-cli") as cli:
            await until_answering(cli)
            yield cli
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _install(cli: Bus, folder: Path, vendor: tuple[bytes, str]) -> str:
    """trip-log asking for :data:`ASKS`, installed; the password nats-server knows for it."""
    await cli.request(SetAppsSettings(settings=AppsSettings(public_keys=[vendor[1]])))
    image = archive(folder)
    package = signed_package(manifest(subjects=ASKS.model_dump()), image, vendor[0])
    reloads = _reloads(folder)
    reply = await install(cli, image, package, "up-00001")
    # Its user is known to nats-server a moment before the reload has ended, and a connection
    # made in between was seen closed at the end ("moved" to another account): wait for it.
    await eventually(lambda: _reloads(folder) > reloads)
    assert reply.app.subjects == ASKS
    assert reply.app.approved_subjects == AppSubjects()
    users = folder / APPS_USERS_FILE
    assert users.stat().st_mode & 0o777 == 0o600
    found = re.search(rf'user: "{APP_USER}", password: "(\w+)"', users.read_text())
    assert found is not None
    assert found[1] not in reply.to_wire().decode()
    return found[1]


def _reloads(folder: Path) -> int:
    """How many reloads nats-server has ended (its log, in the store of :func:`server`)."""
    log = folder / "nats" / "nats-server.log"
    return log.read_text(errors="replace").count("Reloaded server configuration")


class App:
    """The app's side: its own user, the errors nats-server sends it."""

    def __init__(self, url: str, password: str) -> None:
        self.url = url
        self.password = password
        self.errors: list[str] = []

    async def connect(self) -> Client:
        async def record(exc: Exception) -> None:
            self.errors.append(str(exc).lower())

        client = Client()
        try:
            await client.connect(
                self.url,
                user=APP_USER,
                password=self.password,
                inbox_prefix=f"_INBOX_{APP_USER}",
                error_cb=record,
                allow_reconnect=False,
            )
        except (NatsError, OSError):
            await client.close()
            raise
        return client


async def _commands_seen(cli: Bus) -> list[Msg]:
    seen: list[Msg] = []

    async def keep(msg: Msg) -> None:
        seen.append(msg)

    await cli.client.subscribe("io.port.*.set", cb=keep)
    await cli.client.flush()
    return seen


async def test_an_app_publishes_only_what_the_administrator_approved(
    server: str, tmp_path: Path, vendor: tuple[bytes, str]
) -> None:
    async with system_and_cli(server, tmp_path) as cli:
        password = await _install(cli, tmp_path, vendor)
        seen = await _commands_seen(cli)
        app = App(server, password)
        client = await app.connect()

        await client.publish("io.port.3.set", b'{"is_active": true}')
        await client.flush()
        await eventually(lambda: any("permissions violation" in e for e in app.errors))
        assert seen == []

        with pytest.raises(Invalid, match=r"does not ask to publish 'io\.>'"):
            await cli.request(
                ApproveAppSubjects(name="trip-log", subjects=AppSubjects(publish=["io.>"]))
            )
        approved = AppSubjects(publish=["io.port.*.set"])
        reply = await cli.request(ApproveAppSubjects(name="trip-log", subjects=approved))
        assert reply.app.approved_subjects == approved

        # The reload reaches the app's open connection: no reconnect.
        async def published() -> list[Msg]:
            await client.publish("io.port.3.set", b'{"is_active": true}')
            await client.flush()
            await asyncio.sleep(0.05)
            return seen

        await eventually(published)
        # It crossed from the apps' account: the owner treats it as the integrator at most.
        assert json.loads((seen[0].headers or {})["Nats-Request-Info"])["acc"] == "APPS"
        listed = await cli.request(ListApps())
        assert listed.apps[0].approved_subjects == approved
        await client.close()


async def test_an_app_reads_its_settings_and_its_replies_only(
    server: str, tmp_path: Path, vendor: tuple[bytes, str]
) -> None:
    async with system_and_cli(server, tmp_path) as cli:
        password = await _install(cli, tmp_path, vendor)
        app = App(server, password)
        client = await app.connect()
        ask = {"last_by_subj": "$KV.actkit-state.system.app.trip-log.settings.changed"}

        # A read while nats-server remakes the accounts' imports and mappings (a reload) goes
        # unanswered, so an app asks again, as trip-log does.
        async def read() -> Msg:
            return await client.request(
                "$JS.actkit.API.STREAM.MSG.GET.KV_actkit-state",
                json.dumps(ask).encode(),
                timeout=1,
            )

        answer = await eventually(read, ignoring=(NatsTimeout, NoRespondersError))
        assert "message" in json.loads(answer.data)
        await client.subscribe("io.port.*.changed")
        await client.subscribe("_INBOX_web.>")
        await client.flush()
        await eventually(lambda: len([e for e in app.errors if "subscription" in e]) == 2)
        await client.close()


async def test_delete_removes_the_apps_user(
    server: str, tmp_path: Path, vendor: tuple[bytes, str]
) -> None:
    async with system_and_cli(server, tmp_path) as cli:
        password = await _install(cli, tmp_path, vendor)
        client = await App(server, password).connect()
        await client.close()
        await cli.request(DeleteApp(name="trip-log"))
        assert APP_USER not in (tmp_path / APPS_USERS_FILE).read_text()

        async def refused() -> bool:
            try:
                other = await App(server, password).connect()
            except (NatsError, OSError) as exc:
                return "authorization" in str(exc).lower()
            await other.close()
            return False

        assert await eventually(refused)
