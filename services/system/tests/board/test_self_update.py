"""The system service updating itself on dockerd: its container replaced by the updater container.

Here the system service runs in its container too, the engine's socket mounted, as on the board;
the test only talks to it over the bus and reads the engine.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_proto import Unavailable
from actkit_proto.system import (
    GetUpgradeStatus,
    SetDateTime,
    SetTimeSettings,
    StartUpgrade,
    SyncMode,
    TimeSettings,
    UpgradeMode,
    UpgradeStage,
    UpgradeStatus,
)
from actkit_system.handlers.rollout.bundle import sign
from actkit_system.handlers.rollout.containers import SYSTEM, UPDATER

from .conftest import TIMINGS
from .containers import run, system_spec, wait_healthy
from .containers import running as containers_of
from .engine_host import Engine
from .images import UNHEALTHY, Images
from .rollout import HEALTH_TIMEOUT_S, PEERS, SLOW_S, ended, manifest, peers_at_1_0_0

pytestmark = pytest.mark.timeout(400)


@asynccontextmanager
async def board(
    engine: Engine, images: Images, bus: Bus, nats_server: str, tmp_path: Path
) -> AsyncIterator[dict[str, str]]:
    """io, mqtt and the system service in their containers on 1.0.0; their container ids."""
    async with peers_at_1_0_0(engine, images, bus, nats_server, tmp_path) as ids:
        data = tmp_path / "system-data"
        data.mkdir()
        shutil.copy(tmp_path / "key.pub", data / "key.pub")
        spec = system_spec(nats_server, data, engine.socket, HEALTH_TIMEOUT_S)
        ids[SYSTEM] = run(engine, "system", images.tag("1.0.0"), spec)
        await asyncio.to_thread(wait_healthy, engine, [SYSTEM])
        await status_of(bus)
        yield ids


async def status_of(bus: Bus) -> UpgradeStatus:
    """The upgrade's status, once a system service answers (one may be starting)."""
    return await eventually(
        lambda: bus.request(GetUpgradeStatus(), timeout_s=1.0),
        timeout_s=HEALTH_TIMEOUT_S,
        interval_s=0.1,
        ignoring=(Unavailable,),
    )


def first(events: list[dict[str, Any]], action: str, container_id: str) -> int:
    """When the engine first reported ``action`` of a container (nanoseconds)."""
    return min(
        int(e["timeNano"]) for e in events if (e["Action"], e.get("id")) == (action, container_id)
    )


async def test_the_updater_container_replaces_the_system_service_and_the_new_one_commits(
    bus: Bus,
    nats_server: str,
    tmp_path: Path,
    engine: Engine,
    images: Images,
    progress: list[UpgradeStatus],
    signing_key: bytes,
) -> None:
    release = manifest(images, "1.1.0", dict.fromkeys((*PEERS, "system"), "1.1.0"))
    async with board(engine, images, bus, nats_server, tmp_path) as before:
        async with engine.watching() as events:
            started = time.monotonic()
            await bus.request(StartUpgrade(bundle=sign(release, signing_key)), timeout_s=SLOW_S)
            last = await ended(progress, timeout_s=300)
        TIMINGS["io, mqtt and system upgraded (the updater hands over)"] = (
            time.monotonic() - started
        )
        assert last.stage is UpgradeStage.COMMITTED, last.message
        status = await status_of(bus)
        assert (status.stage, status.version, status.previous_version) == (
            UpgradeStage.COMMITTED,
            "1.1.0",
            "1.0.0",
        )
        after = containers_of(engine)
        assert {name: image for name, (_id, image) in after.items()} == {
            name: images.pinned("1.1.0") for name in before
        }
        new_system = after[SYSTEM][0]
        assert new_system != before[SYSTEM]
        # Never two system services at once: the old one had stopped before the new one started.
        assert first(events, "die", before[SYSTEM]) < first(events, "start", new_system)
        updater = [e for e in events if e["Actor"]["Attributes"].get("name") == UPDATER]
        assert [e["Action"] for e in updater if e["Action"] in ("create", "start", "destroy")] == [
            "create",
            "start",
            "destroy",
        ]
        assert updater[0]["from"] == images.pinned("1.1.0")
        system_stages = [s.stage for s in progress if s.service == "system"]
        assert system_stages[:4] == [
            UpgradeStage.PULLING,
            UpgradeStage.REPLACING,
            UpgradeStage.REPLACING,
            UpgradeStage.HEALTH_CHECKING,
        ]


async def test_a_new_system_service_that_never_turns_healthy_brings_every_old_container_back(
    bus: Bus,
    nats_server: str,
    tmp_path: Path,
    engine: Engine,
    images: Images,
    progress: list[UpgradeStatus],
    signing_key: bytes,
) -> None:
    release = manifest(images, "1.1.0", {"io": "1.1.0", "mqtt": "1.1.0", "system": UNHEALTHY})
    async with board(engine, images, bus, nats_server, tmp_path) as before:
        started = time.monotonic()
        await bus.request(StartUpgrade(bundle=sign(release, signing_key)), timeout_s=SLOW_S)
        last = await ended(progress, timeout_s=300)
        TIMINGS["system never healthy, all three put back"] = time.monotonic() - started
        assert last.stage is UpgradeStage.ROLLED_BACK, last.message
        assert "the new system service did not become healthy" in last.message
        status = await status_of(bus)
        assert (status.stage, status.version) == (UpgradeStage.ROLLED_BACK, "1.0.0")
        assert {name: id_ for name, (id_, _image) in containers_of(engine).items()} == before
        for name in before:
            assert engine.inspect(name)["State"]["Running"]


async def test_autorollback_not_confirmed_brings_the_previous_system_service_back(
    bus: Bus,
    nats_server: str,
    tmp_path: Path,
    engine: Engine,
    images: Images,
    progress: list[UpgradeStatus],
    signing_key: bytes,
) -> None:
    release = manifest(images, "1.1.0", dict.fromkeys((*PEERS, "system"), "1.1.0"))
    async with board(engine, images, bus, nats_server, tmp_path) as before:
        bundle = sign(release, signing_key)
        await bus.request(
            StartUpgrade(bundle=bundle, mode=UpgradeMode.AUTOROLLBACK, confirm_within_s=60),
            timeout_s=SLOW_S,
        )
        last = await ended(progress, timeout_s=300)
        assert last.stage is UpgradeStage.AWAITING_CONFIRMATION, last.message
        assert engine.inspect(SYSTEM)["Config"]["Image"] == images.pinned("1.1.0")
        seen = len(progress)
        # The new system service keeps the deadline: move its clock past it.
        await bus.request(
            SetTimeSettings(settings=TimeSettings(sync_mode=SyncMode.CUSTOM)), timeout_s=SLOW_S
        )
        await bus.request(
            SetDateTime(at=datetime.now(UTC) + timedelta(minutes=2)), timeout_s=SLOW_S
        )
        last = await ended(progress, after=seen, timeout_s=300)
        assert last.stage is UpgradeStage.ROLLED_BACK, last.message
        assert last.message == "not confirmed in time; back on 1.0.0"
        status = await status_of(bus)
        assert (status.stage, status.version, status.previous_version) == (
            UpgradeStage.ROLLED_BACK,
            "1.0.0",
            None,
        )
        assert {name: image for name, (_id, image) in containers_of(engine).items()} == {
            name: images.tag("1.0.0") for name in before
        }
