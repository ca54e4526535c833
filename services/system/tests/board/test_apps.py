"""Apps on dockerd, installed and run by the system service (here, in the test process)."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.plugin import running
from actkit_proto import Forbidden
from actkit_proto.system import (
    AppsSettings,
    DeleteApp,
    ListApps,
    SetAppsSettings,
    StartApp,
    StopApp,
)
from actkit_system.handlers.app_package import install, signed_package
from actkit_system.main import serve
from actkit_system.settings import SystemSettings

from .apps import (
    APP,
    CONTAINER,
    IMAGE,
    MANIFEST,
    VOLUME,
    app_things,
    engine,
    log_saying,
    saved_image,
    system,
    vendor,
)
from .conftest import TIMINGS
from .engine_host import Engine

__all__ = ["engine", "vendor"]  # the fixtures these tests use

pytestmark = pytest.mark.timeout(180)

SCRIPT = (
    "echo trip-log started; "
    "if touch /data/written; then echo data writable; fi; "
    "if ! touch /written 2>/dev/null; then echo root read-only; fi; "
    "while true; do sleep 1; done"
)


@pytest.fixture(scope="module")
def app_archive(dockerd: Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app's image as a ``docker save`` archive; the engine keeps no copy of it."""
    return saved_image(dockerd, tmp_path_factory.mktemp("app"), IMAGE, SCRIPT)


async def test_a_signed_app_runs_without_privileges_and_comes_back_after_a_restart(
    engine: Engine,
    bus: Bus,
    nats_server: str,
    tmp_path: Path,
    app_archive: Path,
    vendor: tuple[bytes, str],
) -> None:
    package = signed_package(MANIFEST, app_archive, vendor[0])
    async with system(engine, nats_server, tmp_path):
        await bus.request(SetAppsSettings(settings=AppsSettings(public_keys=[vendor[1]])))
        began = time.monotonic()
        installed = await install(bus, app_archive, package, "up-00001")
        TIMINGS["app install (upload, verify, load, create)"] = time.monotonic() - began
        assert (installed.app.is_signed, installed.app.status) == (True, "created")
        host = engine.inspect(CONTAINER)["HostConfig"]
        assert host["ReadonlyRootfs"] is True
        assert host["CapDrop"] == ["ALL"]
        assert host["SecurityOpt"] == ["no-new-privileges"]
        assert host["Privileged"] is False
        assert (host["Memory"], host["MemorySwap"]) == (32 * 2**20, 32 * 2**20)
        assert host["NanoCpus"] == 250_000_000
        assert host["NetworkMode"] == "none"
        assert host["RestartPolicy"]["Name"] == "unless-stopped"
        assert [(m["Type"], m["Source"], m["Target"]) for m in host["Mounts"]] == [
            ("volume", VOLUME, "/data")
        ]

        began = time.monotonic()
        started = await bus.request(StartApp(name=APP))
        TIMINGS["app start"] = time.monotonic() - began
        assert started.app.is_running
        log = await log_saying(bus, "root read-only")
        assert log.startswith("trip-log started\ndata writable\n")
    # The owner is away and the container stops: the owner brings it back as it was.
    engine.api("POST", f"/containers/{CONTAINER}/stop", params={"t": "1"})
    async with system(engine, nats_server, tmp_path):
        (app,) = (await bus.request(ListApps())).apps
        assert (app.name, app.is_running, app.should_run) == (APP, True, True)
        stopped = await bus.request(StopApp(name=APP), timeout_s=15)
        assert (stopped.app.is_running, stopped.app.status) == (False, "exited")
        assert (await bus.request(DeleteApp(name=APP))).apps == []
    assert app_things(engine) == {"containers": [], "volumes": [], "images": []}


async def test_an_unsigned_app_is_refused_until_unsigned_apps_are_allowed(
    engine: Engine, bus: Bus, nats_server: str, tmp_path: Path, app_archive: Path
) -> None:
    unsigned = signed_package(MANIFEST, app_archive, None)
    async with system(engine, nats_server, tmp_path):
        with pytest.raises(Forbidden, match="not signed"):
            await install(bus, app_archive, unsigned, "up-00001")
        assert app_things(engine) == {"containers": [], "volumes": [], "images": []}
        await bus.request(SetAppsSettings(settings=AppsSettings(allow_unsigned=True)))
        installed = await install(bus, app_archive, unsigned, "up-00002")
        assert (installed.app.is_signed, installed.app.is_running) == (False, False)
        await bus.request(DeleteApp(name=APP))


async def test_an_app_past_its_memory_limit_is_killed_and_restarted_alone(
    engine: Engine, bus: Bus, nats_server: str, tmp_path: Path, vendor: tuple[bytes, str]
) -> None:
    # awk doubles a string until the kernel kills it: the container's only program.
    hog = "echo hog started; exec awk 'BEGIN { s = 1; while (1) s = s s }'"
    archive = saved_image(engine, tmp_path, "apps/hog:1.0.0", hog)
    manifest = {**MANIFEST, "name": "hog", "image": "apps/hog:1.0.0", "memory_mb": 16}
    async with system(engine, nats_server, tmp_path):
        await bus.request(SetAppsSettings(settings=AppsSettings(public_keys=[vendor[1]])))
        await install(bus, archive, signed_package(manifest, archive, vendor[0]), "up-00001")
        began = time.monotonic()
        async with engine.watching() as seen:
            await bus.request(StartApp(name="hog"))
            log = await log_saying(bus, "hog started\nhog started\n", app="hog")
        TIMINGS["memory hog killed and started again"] = time.monotonic() - began
        assert engine.inspect("actkit-app-hog")["RestartCount"] >= 1, log
        ooms = [e for e in seen if e.get("Action") == "oom"]
        assert ooms and ooms[0]["Actor"]["Attributes"]["name"] == "actkit-app-hog", seen
        (app,) = (await bus.request(ListApps())).apps
        assert (app.name, app.should_run) == ("hog", True)
        await bus.request(DeleteApp(name="hog"))


async def test_an_app_reaches_the_bus_in_its_own_network_as_under_actkit_run(
    engine: Engine, bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    # nats-server listens on this host's loopback, as actkit run's: the app reaches it through
    # the system service's relay on its network's gateway, and reads the server's first words.
    probe = (
        "u=${ACTKIT_APP_NATS_URL#nats://}; echo bus at $u; "
        "nc -w 2 ${u%:*} ${u##*:} </dev/null | head -c 4; echo ' read'; "
        "while true; do sleep 1; done"
    )
    archive = saved_image(engine, tmp_path, "apps/probe:1.0.0", probe)
    manifest = {**MANIFEST, "name": "probe", "image": "apps/probe:1.0.0"}
    settings = SystemSettings(
        nats_url=nats_server,
        data_dir=tmp_path,
        metrics_port=0,
        engine="docker",
        docker_socket=engine.socket,
        apps_nats_reload="none",
    )
    try:
        async with running(serve, settings):
            await bus.request(SetAppsSettings(settings=AppsSettings(allow_unsigned=True)))
            await install(bus, archive, signed_package(manifest, archive, None), "up-00001")
            network = engine.api("GET", "/networks/actkit-apps")
            assert network["Internal"] is True
            host = engine.inspect("actkit-app-probe")["HostConfig"]
            assert host["NetworkMode"] == "actkit-apps"
            await bus.request(StartApp(name="probe"))
            log = await log_saying(bus, "INFO read", app="probe")
            gateway = network["IPAM"]["Config"][0]["Gateway"]
            assert f"bus at {gateway}:" in log
            await bus.request(DeleteApp(name="probe"))
            assert not engine.api("GET", "/networks/actkit-apps")["Containers"]
    finally:
        with contextlib.suppress(RuntimeError):
            engine.api("DELETE", "/networks/actkit-apps")
