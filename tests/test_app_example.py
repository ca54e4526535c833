"""The example app (apps/trip-log) on a real nats-server: what the bus says lands in its CSV,
as its setting (kept on the bus, read at start, followed) says."""

from __future__ import annotations

import asyncio
import csv
import importlib.util
from pathlib import Path
from types import ModuleType

import httpx
from nats.aio.msg import Msg

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.plugin import running
from actkit_proto.io import Circuit, Direction, IgnitionChanged, PortChanged
from actkit_proto.system import AppSettingsChanged, Location, SetLocation
from actkit_system.main import serve
from actkit_system.settings import SystemSettings

APP = Path(__file__).resolve().parents[1] / "apps" / "trip-log" / "trip_log.py"
DEPOT = Location(latitude=59.3293, longitude=18.0686, label="Depot")


def _system(nats_server: str, tmp_path: Path) -> SystemSettings:
    """The system service's settings here: it answers where the device is."""
    return SystemSettings(nats_url=nats_server, data_dir=tmp_path / "system", metrics_port=0)


def _trip_log() -> ModuleType:
    spec = importlib.util.spec_from_file_location("trip_log", APP)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_ignition_and_input_changes_are_recorded_and_offered_as_csv(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    trip_log = _trip_log()
    log = trip_log.TripLog(tmp_path / "trip-log.csv")
    subscribed = asyncio.Event()
    following = asyncio.create_task(trip_log.follow(nats_server, log, subscribed))
    server = await trip_log.serve_page(log, 0)
    port = server.sockets[0].getsockname()[1]
    try:
        await asyncio.wait_for(subscribed.wait(), timeout=5)
        await bus.publish(IgnitionChanged(is_on=True))
        await bus.publish(
            PortChanged(
                port_id=3,
                direction=Direction.INPUT,
                is_active=True,
                circuit=Circuit.CLOSED,
                edge_ns=1,
            )
        )
        await bus.publish(IgnitionChanged(is_on=False))
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as page:

            async def offered() -> str | None:
                text = (await page.get("/trip-log.csv")).text
                return text if text.count("\n") == 4 else None

            text = await eventually(offered)
            assert "trip-log.csv" in (await page.get("/")).text
    finally:
        following.cancel()
        server.close()
        await server.wait_closed()
    lines = [line.split(",", 1)[1] for line in text.splitlines()[1:]]
    assert text.splitlines()[0] == "time,what,state,circuit,location"
    # No system service answers where the device is here: the location stays empty.
    assert lines == ["ignition,on,,", "port 3,active,closed,", "ignition,off,,"]


async def test_its_setting_kept_on_the_bus_is_read_at_start_and_a_change_followed(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    trip_log = _trip_log()
    log = trip_log.TripLog(tmp_path / "trip-log.csv")
    await bus.publish(AppSettingsChanged(name="trip-log", values={"record_inputs": False}))
    following = asyncio.create_task(trip_log.follow(nats_server, log, asyncio.Event()))

    async def recorded(count: int) -> list[str]:
        await eventually(lambda: len(log.text().splitlines()) > count)
        return [row.split(",", 1)[1] for row in log.text().splitlines()[1:]]

    def port(is_active: bool) -> PortChanged:
        return PortChanged(
            port_id=2,
            direction=Direction.INPUT,
            is_active=is_active,
            circuit=Circuit.CLOSED,
            edge_ns=1,
        )

    async def settled(record_inputs: bool) -> bool:
        return await eventually(lambda: log.record_inputs == record_inputs)

    try:
        assert await settled(record_inputs=False)  # the kept value, read when it connects
        await bus.publish(port(True))
        await bus.publish(IgnitionChanged(is_on=True))
        assert await recorded(1) == ["ignition,on,,"]
        await bus.publish(AppSettingsChanged(name="trip-log", values={"record_inputs": True}))
        assert await settled(record_inputs=True)
        await bus.publish(port(False))
        assert await recorded(2) == ["ignition,on,,", "port 2,inactive,closed,"]
    finally:
        following.cancel()


async def test_each_row_says_where_the_device_is_as_time_and_location_sets_it(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    trip_log = _trip_log()
    log = trip_log.TripLog(tmp_path / "trip-log.csv")
    async with running(serve, _system(nats_server, tmp_path)):
        await bus.request(SetLocation(location=DEPOT))
        following = asyncio.create_task(trip_log.follow(nats_server, log, asyncio.Event()))
        try:
            # Asked when it connects; asked again at each ignition change.
            assert await eventually(lambda: log.location == "Depot (59.329300, 18.068600)")
            await bus.request(SetLocation(location=DEPOT.model_copy(update={"label": "Yard"})))
            await bus.publish(IgnitionChanged(is_on=True))
            assert await eventually(lambda: log.location.startswith("Yard"))
            await bus.publish(IgnitionChanged(is_on=False))
            assert await eventually(lambda: len(log.text().splitlines()) == 3)
        finally:
            following.cancel()
    rows = list(csv.reader(log.text().splitlines()))[1:]
    assert [row[1:] for row in rows] == [
        ["ignition", "on", "", "Depot (59.329300, 18.068600)"],
        ["ignition", "off", "", "Yard (59.329300, 18.068600)"],
    ]


async def test_a_question_nobody_answered_is_asked_again(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    trip_log = _trip_log()
    log = trip_log.TripLog(tmp_path / "trip-log.csv")
    settings = _system(nats_server, tmp_path)
    async with running(serve, settings):
        await bus.request(SetLocation(location=DEPOT))
    # It connects while the system service is away: its first question is heard here, unanswered.
    asked = asyncio.Event()

    async def hear(_msg: Msg) -> None:
        asked.set()

    await bus.client.subscribe(trip_log.LOCATION, cb=hear)
    await bus.client.flush()
    following = asyncio.create_task(trip_log.follow(nats_server, log, asyncio.Event()))
    try:
        await asyncio.wait_for(asked.wait(), 10)
        assert log.location == ""
        async with running(serve, settings):
            assert await eventually(lambda: log.location.startswith("Depot"))
    finally:
        following.cancel()
