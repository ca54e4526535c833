"""Rollouts of io and mqtt on dockerd, driven by the system service (here, in the test process).

The services run in real containers from images pulled from a registry on 127.0.0.1 by the
digest the signed manifest pins; the engine's health check and the service answering on the bus
gate each new container.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.plugin import running
from actkit_proto import Forbidden
from actkit_proto.system import (
    GetUpgradeStatus,
    RollbackUpgrade,
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
from actkit_system.main import serve
from actkit_system.settings import SystemSettings

from .conftest import TIMINGS
from .containers import running as containers_of
from .engine_host import Engine
from .images import UNHEALTHY, Images
from .rollout import HEALTH_TIMEOUT_S, PEERS, SLOW_S, answering, ended, manifest, peers_at_1_0_0

pytestmark = pytest.mark.timeout(300)

TO_1_1_0 = dict.fromkeys(PEERS, "1.1.0")


@asynccontextmanager
async def board(
    engine: Engine, images: Images, bus: Bus, nats_server: str, tmp_path: Path
) -> AsyncIterator[dict[str, str]]:
    """io and mqtt on 1.0.0 in their containers, and the system service driving the engine."""
    settings = SystemSettings(
        nats_url=nats_server,
        data_dir=tmp_path,
        metrics_port=0,
        software_version="1.0.0",
        engine="docker",
        docker_socket=engine.socket,
        docker_url="http://docker/v1.41",
        upgrade_public_key_file=tmp_path / "key.pub",
        upgrade_health_timeout_s=HEALTH_TIMEOUT_S,
        upgrade_health_poll_s=0.1,
    )
    async with (
        peers_at_1_0_0(engine, images, bus, nats_server, tmp_path) as ids,
        running(serve, settings),
    ):
        yield ids


async def upgrade(
    bus: Bus,
    progress: list[UpgradeStatus],
    release: str,
    key: bytes,
    mode: UpgradeMode = UpgradeMode.STANDARD,
) -> UpgradeStatus:
    """Start a rollout of a signed ``release`` and wait for its end; its last progress."""
    seen = len(progress)
    await bus.request(
        StartUpgrade(bundle=sign(release, key), mode=mode, confirm_within_s=60), timeout_s=SLOW_S
    )
    return await ended(progress, after=seen)


def changes(event: dict[str, object]) -> bool:
    """An engine event that changes a container (not a health check run in it)."""
    action = str(event["Action"])
    return event["Type"] == "container" and not action.startswith(("exec_", "health_status"))


def env_of(engine: Engine, name: str) -> list[str]:
    env: list[str] = engine.inspect(name)["Config"]["Env"]
    return env


async def test_a_standard_upgrade_pulls_the_pinned_images_and_replaces_both_services(
    bus: Bus,
    nats_server: str,
    tmp_path: Path,
    engine: Engine,
    images: Images,
    progress: list[UpgradeStatus],
    signing_key: bytes,
) -> None:
    # Not on the engine yet: the rollout pulls it from the registry, by its digest.
    engine.cli("image", "rm", "-f", images.tag("1.1.0"))
    async with board(engine, images, bus, nats_server, tmp_path) as before:
        binds = engine.inspect("actkit-io")["HostConfig"]["Binds"]
        async with engine.watching() as events:
            started = time.monotonic()
            last = await upgrade(bus, progress, manifest(images, "1.1.0", TO_1_1_0), signing_key)
        TIMINGS["two services upgraded, the image pulled"] = time.monotonic() - started
        assert last.stage is UpgradeStage.COMMITTED, last.message
        status = await bus.request(GetUpgradeStatus(), timeout_s=SLOW_S)
        assert (status.version, status.previous_version) == ("1.1.0", "1.0.0")
        after = containers_of(engine)
        assert {name: image for name, (_id, image) in after.items()} == {
            "actkit-io": images.pinned("1.1.0"),
            "actkit-mqtt": images.pinned("1.1.0"),
        }
        assert all(after[name][0] != before[name] for name in before)
        pulled = {e["id"] for e in events if e["Action"] == "pull"}
        assert pulled == {images.pinned("1.1.0")}
        # A clone of the old container but for its image: the new image's environment, not the old.
        io = engine.inspect("actkit-io")
        assert io["State"]["Health"]["Status"] == "healthy"
        assert io["HostConfig"]["Binds"] == binds
        assert f"ACTKIT_IO_NATS_URL={nats_server}" in io["Config"]["Env"]
        assert "ACTKIT_IMAGE_VERSION=1.1.0" in io["Config"]["Env"]
        assert "ACTKIT_IMAGE_VERSION=1.0.0" not in io["Config"]["Env"]
        for service in PEERS:
            await answering(bus, service)
        checking = [s.percent for s in progress if s.stage is UpgradeStage.HEALTH_CHECKING]
        assert (checking, progress[-1].version) == ([33, 83], "1.1.0")


async def test_an_image_that_never_turns_healthy_puts_the_exact_previous_containers_back(
    bus: Bus,
    nats_server: str,
    tmp_path: Path,
    engine: Engine,
    images: Images,
    progress: list[UpgradeStatus],
    signing_key: bytes,
) -> None:
    release = manifest(images, "1.1.0", {"io": "1.1.0", "mqtt": UNHEALTHY})
    async with board(engine, images, bus, nats_server, tmp_path) as before:
        started = time.monotonic()
        last = await upgrade(bus, progress, release, signing_key)
        TIMINGS["io replaced, mqtt never healthy, both put back"] = time.monotonic() - started
        assert last.stage is UpgradeStage.ROLLED_BACK
        assert "actkit-mqtt is unhealthy" in last.message
        assert {name: id_ for name, (id_, _image) in containers_of(engine).items()} == before
        for name in before:
            assert engine.inspect(name)["State"]["Running"]
        for service in PEERS:
            await answering(bus, service)
        assert (await bus.request(GetUpgradeStatus())).version == "1.0.0"


async def test_a_digest_other_than_the_signed_one_is_refused_and_changes_nothing(
    bus: Bus,
    nats_server: str,
    tmp_path: Path,
    engine: Engine,
    images: Images,
    progress: list[UpgradeStatus],
    signing_key: bytes,
) -> None:
    release = manifest(images, "1.1.0", TO_1_1_0)
    async with board(engine, images, bus, nats_server, tmp_path) as before:
        async with engine.watching() as events:
            # Changed after signing: the signature refuses it before the engine is asked.
            other = release.replace(images.digests["1.1.0"], images.digests["1.2.0"])
            tampered = sign(release, signing_key).model_copy(update={"manifest": other})
            with pytest.raises(Forbidden, match="does not verify with any trusted key"):
                await bus.request(StartUpgrade(bundle=tampered), timeout_s=SLOW_S)
            # Signed, but no image has that digest: the registry refuses the pull.
            unknown = release.replace(images.digests["1.1.0"], "sha256:" + "0" * 64)
            last = await upgrade(bus, progress, unknown, signing_key)
        assert last.stage is UpgradeStage.ROLLED_BACK
        assert "io: pull" in last.message
        assert "manifest unknown" in last.message
        assert {name: id_ for name, (id_, _image) in containers_of(engine).items()} == before
        assert [e["Action"] for e in events if changes(e)] == []


async def test_one_service_upgraded_then_the_rollback_command_brings_1_0_0_back(
    bus: Bus,
    nats_server: str,
    tmp_path: Path,
    engine: Engine,
    images: Images,
    progress: list[UpgradeStatus],
    signing_key: bytes,
) -> None:
    engine.cli("pull", images.pinned("1.2.0"))
    async with board(engine, images, bus, nats_server, tmp_path):
        started = time.monotonic()
        last = await upgrade(
            bus, progress, manifest(images, "1.2.0", {"mqtt": "1.2.0"}), signing_key
        )
        TIMINGS["one service upgraded, image present"] = time.monotonic() - started
        assert last.stage is UpgradeStage.COMMITTED, last.message
        assert engine.inspect("actkit-mqtt")["Config"]["Image"] == images.pinned("1.2.0")
        seen = len(progress)
        started = time.monotonic()
        await bus.request(RollbackUpgrade(), timeout_s=SLOW_S)
        last = await ended(progress, after=seen)
        TIMINGS["rollback command, one service"] = time.monotonic() - started
        assert last.stage is UpgradeStage.ROLLED_BACK, last.message
        assert last.message == "rollback asked for; back on 1.0.0"
        images_now = {name: image for name, (_id, image) in containers_of(engine).items()}
        assert images_now == {"actkit-io": images.tag("1.0.0"), "actkit-mqtt": images.tag("1.0.0")}
        assert "ACTKIT_IMAGE_VERSION=1.0.0" in env_of(engine, "actkit-mqtt")
        await answering(bus, "mqtt")


async def test_autorollback_not_confirmed_in_time_brings_the_previous_images_back(
    bus: Bus,
    nats_server: str,
    tmp_path: Path,
    engine: Engine,
    images: Images,
    progress: list[UpgradeStatus],
    signing_key: bytes,
) -> None:
    release = manifest(images, "1.1.0", TO_1_1_0)
    async with board(engine, images, bus, nats_server, tmp_path):
        last = await upgrade(bus, progress, release, signing_key, UpgradeMode.AUTOROLLBACK)
        assert last.stage is UpgradeStage.AWAITING_CONFIRMATION, last.message
        assert engine.inspect("actkit-io")["Config"]["Image"] == images.pinned("1.1.0")
        seen = len(progress)
        await bus.request(
            SetTimeSettings(settings=TimeSettings(sync_mode=SyncMode.CUSTOM)), timeout_s=SLOW_S
        )
        await bus.request(
            SetDateTime(at=datetime.now(UTC) + timedelta(minutes=2)), timeout_s=SLOW_S
        )
        last = await ended(progress, after=seen)
        assert last.stage is UpgradeStage.ROLLED_BACK, last.message
        assert last.message == "not confirmed in time; back on 1.0.0"
        for name in ("actkit-io", "actkit-mqtt"):
            assert engine.inspect(name)["Config"]["Image"] == images.tag("1.0.0")
            assert "ACTKIT_IMAGE_VERSION=1.1.0" not in env_of(engine, name)
        assert sorted(containers_of(engine)) == ["actkit-io", "actkit-mqtt"]
