"""Rollouts of the board's forked layout on dockerd: the one container ``actkit`` replaced.

``actkit`` runs ``actkit run`` from the rollout images (every service, the system one too, beside
the test's nats-server), as the board's compose file runs it. A release names the stack's image;
the system service in it hands its own container to ``actkit-system-updater``, which health-gates
the new one on the engine's check and every service answering, and puts the exact previous
container back when it is not healthy.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from actkit_core.bus import Bus
from actkit_core.natsconf import CLIENT_USERS, password_variable
from actkit_core.testing.stack import free_port, free_port_range
from actkit_proto.services import SERVICE_NAMES
from actkit_proto.system import (
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
from actkit_system.handlers.rollout.containers import UPDATER

from .conftest import TIMINGS
from .containers import HEALTHCHECK, wait_healthy
from .containers import running as containers_of
from .engine_host import Engine
from .images import UNHEALTHY, Images, host_binds
from .rollout import SLOW_S, answering, ended
from .test_self_update import first, status_of

pytestmark = pytest.mark.timeout(600)

STACK = "actkit"
STACK_TIMEOUT_S = 150.0
"""Every service of the stack forked and answering: seconds when idle, a minute at a load of 20."""


def stack_spec(nats_url: str, data: Path, engine: Engine) -> dict[str, Any]:
    """``actkit`` as the compose file makes it: ``actkit run`` beside nats, the socket mounted."""
    data.mkdir()
    (data / "key.pub").write_text((data.parent / "key.pub").read_text())
    users = [*SERVICE_NAMES, *CLIENT_USERS]
    env = {password_variable(user): "unused" for user in users}  # the test's server asks none
    env |= {
        "ACTKIT_SYSTEM_NATS_URL": nats_url,  # the updater's
        "ACTKIT_SYSTEM_ENGINE": "docker",
        "ACTKIT_SYSTEM_SOFTWARE_VERSION": "1.0.0",
        "ACTKIT_SYSTEM_UPGRADE_PUBLIC_KEY_FILE": "/data/key.pub",
        "ACTKIT_SYSTEM_UPGRADE_HEALTH_TIMEOUT_S": f"{STACK_TIMEOUT_S:g}",
        "ACTKIT_SYSTEM_UPGRADE_HEALTH_POLL_S": "0.2",
        "ACTKIT_WEB_HTTPS_PORT": str(free_port()),
        "ACTKIT_WEB_HTTP_PORT": str(free_port()),
    }
    metrics_base = free_port_range(len(SERVICE_NAMES))
    run = ["run", "--nats-url", nats_url, "--metrics-base", str(metrics_base)]
    return {
        "Cmd": ["actkit", "--data-dir", "/data", *run],
        "Env": [f"{key}={value}" for key, value in env.items()],
        "Healthcheck": HEALTHCHECK,
        "HostConfig": {
            "NetworkMode": "host",
            "Init": True,
            "RestartPolicy": {"Name": "unless-stopped"},
            "Binds": [
                *host_binds(),
                f"{data}:/data",
                f"{engine.socket}:/var/run/docker.sock",
            ],
        },
    }


async def every_service_answers(bus: Bus) -> None:
    for service in SERVICE_NAMES:
        await answering(bus, service, timeout_s=STACK_TIMEOUT_S)


@asynccontextmanager
async def stack_at_1_0_0(
    engine: Engine, images: Images, bus: Bus, nats_url: str, tmp_path: Path
) -> AsyncIterator[str]:
    """``actkit`` on 1.0.0, every service answering; its container id."""
    spec = stack_spec(nats_url, tmp_path / "stack-data", engine)
    created = engine.api(
        "POST",
        "/containers/create",
        params={"name": STACK},
        json={**spec, "Image": images.tag("1.0.0")},
    )
    engine.api("POST", f"/containers/{STACK}/start")
    await asyncio.to_thread(wait_healthy, engine, [STACK])
    try:
        await every_service_answers(bus)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the stack's log ends:\n{engine.logs(STACK, 40)}") from None
    yield str(created["Id"])


def stack_release(images: Images, version: str) -> str:
    """Release 1.1.0: the stack on the image of ``version``, pinned by digest."""
    return json.dumps({"version": "1.1.0", "stack": images.manifest_entry(version)})


async def start(
    bus: Bus, progress: list[UpgradeStatus], release: str, key: bytes, **options: Any
) -> UpgradeStatus:
    """Start the signed rollout of ``release``; its last progress once it has ended."""
    seen = len(progress)
    await bus.request(StartUpgrade(bundle=sign(release, key), **options), timeout_s=SLOW_S)
    return await ended(progress, after=seen, timeout_s=3 * STACK_TIMEOUT_S)


async def test_the_stack_is_upgraded_through_the_updater_and_rolled_back_on_command(
    bus: Bus,
    nats_server: str,
    tmp_path: Path,
    engine: Engine,
    images: Images,
    progress: list[UpgradeStatus],
    signing_key: bytes,
) -> None:
    async with stack_at_1_0_0(engine, images, bus, nats_server, tmp_path) as before:
        async with engine.watching() as events:
            started = time.monotonic()
            last = await start(bus, progress, stack_release(images, "1.1.0"), signing_key)
        TIMINGS["the stack upgraded (the updater replaces actkit)"] = time.monotonic() - started
        assert last.stage is UpgradeStage.COMMITTED, last.message
        after = containers_of(engine)
        assert {name: image for name, (_id, image) in after.items()} == {
            STACK: images.pinned("1.1.0")
        }
        # Never two stacks at once: the old one had stopped before the new one started.
        assert first(events, "die", before) < first(events, "start", after[STACK][0])
        updater = [e for e in events if e["Actor"]["Attributes"].get("name") == UPDATER]
        assert updater[0]["from"] == images.pinned("1.1.0")
        await every_service_answers(bus)
        status = await status_of(bus)
        assert (status.version, status.previous_version) == ("1.1.0", "1.0.0")

        seen = len(progress)
        started = time.monotonic()
        await bus.request(RollbackUpgrade(), timeout_s=SLOW_S)
        last = await ended(progress, after=seen, timeout_s=3 * STACK_TIMEOUT_S)
        TIMINGS["the stack rolled back on command"] = time.monotonic() - started
        assert last.stage is UpgradeStage.ROLLED_BACK, last.message
        assert {name: image for name, (_id, image) in containers_of(engine).items()} == {
            STACK: images.tag("1.0.0")
        }
        await every_service_answers(bus)
        assert (await status_of(bus)).version == "1.0.0"


async def test_a_stack_that_never_turns_healthy_puts_the_exact_previous_container_back(
    bus: Bus,
    nats_server: str,
    tmp_path: Path,
    engine: Engine,
    images: Images,
    progress: list[UpgradeStatus],
    signing_key: bytes,
) -> None:
    async with stack_at_1_0_0(engine, images, bus, nats_server, tmp_path) as before:
        started = time.monotonic()
        last = await start(bus, progress, stack_release(images, UNHEALTHY), signing_key)
        TIMINGS["a stack never healthy, the previous container back"] = time.monotonic() - started
        assert last.stage is UpgradeStage.ROLLED_BACK, last.message
        assert last.message == "actkit: the new stack did not become healthy; still on 1.0.0"
        assert containers_of(engine) == {STACK: (before, images.tag("1.0.0"))}
        assert engine.inspect(STACK)["State"]["Running"]
        await every_service_answers(bus)


async def test_a_stack_upgrade_not_confirmed_in_time_is_rolled_back(
    bus: Bus,
    nats_server: str,
    tmp_path: Path,
    engine: Engine,
    images: Images,
    progress: list[UpgradeStatus],
    signing_key: bytes,
) -> None:
    async with stack_at_1_0_0(engine, images, bus, nats_server, tmp_path):
        last = await start(
            bus,
            progress,
            stack_release(images, "1.1.0"),
            signing_key,
            mode=UpgradeMode.AUTOROLLBACK,
            confirm_within_s=60,
        )
        assert last.stage is UpgradeStage.AWAITING_CONFIRMATION, last.message
        seen = len(progress)
        # The new system service keeps the deadline: move its clock past it.
        await bus.request(
            SetTimeSettings(settings=TimeSettings(sync_mode=SyncMode.CUSTOM)), timeout_s=SLOW_S
        )
        await bus.request(
            SetDateTime(at=datetime.now(UTC) + timedelta(minutes=2)), timeout_s=SLOW_S
        )
        last = await ended(progress, after=seen, timeout_s=3 * STACK_TIMEOUT_S)
        assert (last.stage, last.message) == (
            UpgradeStage.ROLLED_BACK,
            "not confirmed in time; back on 1.0.0",
        )
        assert {name: image for name, (_id, image) in containers_of(engine).items()} == {
            STACK: images.tag("1.0.0")
        }
