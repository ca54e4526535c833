"""``serve_service``: the shared start-up and shutdown, run as a task against a real nats-server."""

import asyncio
import contextlib
import functools
import logging
import os
import signal
import time
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, ClassVar

import pytest
from nats.errors import NoRespondersError
from pydantic_settings import SettingsConfigDict

from actkit_core import lifecycle
from actkit_core.bus import Bus
from actkit_core.lifecycle import Runtime, serve_service
from actkit_core.natsserver import NatsServer
from actkit_core.settings import ServiceSettings
from actkit_core.testing.eventually import eventually
from actkit_core.testing.plugin import _answering, running
from actkit_proto.io import GetPort, Port
from actkit_proto.service import GetServiceStatus
from actkit_proto.system import TimeZoneChanged

MIGRATIONS = str(Path(__file__).parents[1] / "fixtures" / "migrations")


class IoSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_TEST_IO_", extra="ignore")
    service: ClassVar[str] = "io"


async def get_port(command: GetPort, runtime: Runtime) -> Port:
    assert runtime.bus is not None
    return Port(
        port_id=command.port_id,
        name="with tables" if runtime.sessions is not None else "without tables",
        direction="input",
        normal_state="open",
        is_configurable=True,
        is_active=False,
        circuit="open",
    )


@asynccontextmanager
async def build_deps(_settings: IoSettings, runtime: Runtime) -> AsyncIterator[Runtime]:
    yield runtime


def _serve(**kwargs: Any) -> Any:
    return functools.partial(
        serve_service, handlers={GetPort: get_port}, build_deps=build_deps, **kwargs
    )


@pytest.fixture
def settings(nats_server: str, tmp_path: Path) -> IoSettings:
    return IoSettings(nats_url=nats_server, data_dir=tmp_path, metrics_port=0, log_level="DEBUG")


@pytest.fixture(autouse=True)
def _keep_logging() -> Any:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


async def test_a_service_with_tables_is_migrated_served_and_shows_metrics(
    settings: IoSettings, bus: Bus
) -> None:
    async with running(_serve(migrations=MIGRATIONS, adapter="sim"), settings):
        assert (await bus.request(GetPort(port_id=2))).name == "with tables"
        status = await bus.request(GetServiceStatus(service="io"))
        assert status.adapter == "sim"
        assert status.metrics_port > 0
        url = f"http://127.0.0.1:{status.metrics_port}/metrics"
        text = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read())
        assert b'actkit_bus_messages_total{outcome="ok",service="io"' in text
    assert (settings.data_dir / "io.db").exists()
    with pytest.raises(OSError):
        await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5))


async def test_a_service_takes_the_devices_time_zone_as_its_local_time(
    settings: IoSettings, bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "UTC")  # put back after: serve_service sets this process's zone
    await bus.publish(TimeZoneChanged(time_zone="Asia/Tokyo"))  # kept before the service starts
    async with running(_serve(), settings):
        assert (await bus.request(GetServiceStatus(service="io"))).time_zone == "Asia/Tokyo"
        assert time.localtime(0).tm_hour == 9
        await bus.publish(TimeZoneChanged(time_zone="Nowhere/Land"))  # unknown: kept as it was
        await bus.publish(TimeZoneChanged(time_zone="Europe/Stockholm"))
        await eventually(lambda: time.localtime(0).tm_hour == 1)
        assert (await bus.request(GetServiceStatus(service="io"))).time_zone == "Europe/Stockholm"


async def test_served_runs_once_the_handlers_answer_and_before_ready(
    settings: IoSettings, bus: Bus
) -> None:
    answers: list[str] = []

    async def served(_runtime: Runtime) -> None:
        answers.append((await bus.request(GetPort(port_id=3))).name)

    async with running(_serve(served=served), settings):
        assert answers == ["without tables"]


async def test_a_service_without_tables_has_no_database(settings: IoSettings, bus: Bus) -> None:
    async with running(_serve(), settings):
        assert (await bus.request(GetPort(port_id=2))).name == "without tables"
    assert not (settings.data_dir / "io.db").exists()


async def test_running_raises_what_stopped_the_service_before_it_was_ready(
    settings: IoSettings,
) -> None:
    async def broken(_settings: IoSettings, ready: asyncio.Event) -> None:
        raise RuntimeError("no adapter")

    with pytest.raises(RuntimeError, match="no adapter"):
        async with running(broken, settings):
            pytest.fail("the block runs only once the service is ready")


async def test_running_fails_when_the_service_ends_without_becoming_ready(
    settings: IoSettings,
) -> None:
    async def quits(_settings: IoSettings, ready: asyncio.Event) -> None:
        return None

    with pytest.raises(TimeoutError, match="io did not become ready"):
        async with running(quits, settings):
            pytest.fail("the block runs only once the service is ready")


async def test_running_waits_until_a_client_gets_an_answer(settings: IoSettings, bus: Bus) -> None:
    async def ready_too_soon(settings: IoSettings, ready: asyncio.Event) -> None:
        ready.set()  # says ready, yet serves a moment later
        await asyncio.sleep(0.1)
        await serve_service(settings, handlers={GetPort: get_port}, build_deps=build_deps)

    async with running(ready_too_soon, settings):
        assert (await bus.request(GetPort(port_id=1))).port_id == 1


async def test_waiting_for_an_answer_gives_up_at_its_deadline(settings: IoSettings) -> None:
    with pytest.raises(NoRespondersError):
        await _answering(settings, timeout_s=0.05)


def test_run_stops_the_service_cleanly_on_sigterm(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "actkit_core.lifecycle")
    unwound: list[str] = []

    async def main() -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        try:
            await asyncio.Event().wait()
        finally:
            unwound.append("cleaned up")

    lifecycle.run(main())
    assert unwound == ["cleaned up"]
    assert "stopped" in caplog.messages


@pytest.mark.timeout(30)  # a lost stop would serve on until then
def test_a_stop_asked_for_while_the_service_starts_is_not_lost(settings: IoSettings) -> None:
    @asynccontextmanager
    async def swallowing_start(_settings: IoSettings, runtime: Runtime) -> AsyncIterator[Runtime]:
        # Start-up code that loses the cancellation, as asyncio.wait_for can in Python 3.11.
        os.kill(os.getpid(), signal.SIGTERM)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(5)
        yield runtime

    serving = serve_service(settings, handlers={GetPort: get_port}, build_deps=swallowing_start)
    started = time.monotonic()
    lifecycle.run(serving)  # returns instead of serving on until it is killed
    assert time.monotonic() - started < 10


async def test_a_service_stopped_while_nats_server_is_down_stops_with_one_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = NatsServer(store_dir=tmp_path / "nats")
    url = server.start()
    try:
        settings = IoSettings(nats_url=url, data_dir=tmp_path, metrics_port=0)
        ready = asyncio.Event()
        task = asyncio.create_task(_serve()(settings, ready=ready))
        await asyncio.wait_for(ready.wait(), 10)
        logging.getLogger().addHandler(caplog.handler)  # the service set up logging anew
        server.stop()
        # The service's connection notices and keeps trying to reconnect until it is stopped.
        await eventually(lambda: "Connect call failed" in caplog.text, timeout_s=10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        server.stop()
    assert "stopped without draining the bus: nats: connection reconnecting" in caplog.messages


@pytest.mark.timeout(30)
def test_a_service_run_as_its_own_process_moves_to_its_priority_once_it_serves(
    settings: IoSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved: list[tuple[str, bool]] = []
    monkeypatch.setattr(
        lifecycle, "change_priority", lambda name, *, raising: moved.append((name, raising))
    )

    async def main() -> None:
        ready = asyncio.Event()
        serving = asyncio.ensure_future(_serve(ready=ready)(settings))
        await ready.wait()
        await asyncio.sleep(0)
        os.kill(os.getpid(), signal.SIGTERM)
        await serving

    lifecycle.run(main())
    assert moved == [("io", False)]


async def test_a_service_served_as_a_task_keeps_the_priority_of_its_host(
    settings: IoSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved: list[tuple[str, bool]] = []
    monkeypatch.setattr(
        lifecycle, "change_priority", lambda name, *, raising: moved.append((name, raising))
    )
    async with running(_serve(), settings):
        pass
    assert moved == []
