"""Simulated clock synchronisation and power: the default for ``make run`` and tests."""

from __future__ import annotations

import itertools
import json
import tarfile
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from actkit_core.clock import Clock, SystemClock
from actkit_proto.system import SyncMode, TimeSettings
from actkit_system.handlers.rollout.containers import (
    SYSTEM,
    UPDATE_COMMAND,
    Stuck,
    Unhealthy,
    put_back,
    replace_container,
    wait_healthy,
)
from actkit_system.ports import Container, EngineError, SyncStatus

DHCP_NTP_SERVER = "ntp.dhcp.sim"
"""The NTP server the simulated DHCP server gives."""
SIM_GATEWAY = "172.30.0.1"
"""The simulated apps network's gateway: the host, as apps see it."""


class SimDhcpTimeZone:
    """The time zone a simulated DHCP server offers (None: the lease has no option 101)."""

    def __init__(self, zone: str | None = None) -> None:
        self.zone = zone

    async def offered(self) -> str | None:
        return self.zone

    async def close(self) -> None:
        pass


class SimTimeKeeper:
    """A clock that follows the host's (or a test's) clock, shifted when set by hand.

    >>> import asyncio
    >>> keeper = SimTimeKeeper()
    >>> asyncio.run(keeper.apply(TimeSettings(), "UTC"))
    >>> asyncio.run(keeper.status()).server
    'ntp.dhcp.sim'
    """

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()
        self.shift = timedelta()
        self.settings = TimeSettings()
        self.time_zone = "UTC"

    def now(self) -> datetime:
        return self._clock.now() + self.shift

    def monotonic(self) -> float:
        return self._clock.monotonic()

    async def apply(self, settings: TimeSettings, time_zone: str) -> None:
        self.settings = settings
        self.time_zone = time_zone
        if settings.sync_mode is not SyncMode.CUSTOM:
            self.shift = timedelta()

    async def status(self) -> SyncStatus:
        servers = {
            SyncMode.NTS_KE: self.settings.nts_ke_servers,
            SyncMode.NTP_MANUAL: self.settings.ntp_servers,
            SyncMode.NTP_DHCP: [DHCP_NTP_SERVER, *self.settings.fallback_ntp_servers],
            SyncMode.CUSTOM: [],
        }[self.settings.sync_mode]
        if not servers:
            return SyncStatus(is_synchronized=False)
        return SyncStatus(
            is_synchronized=True,
            server=servers[0],
            offset_s=0.0004,
            next_sync_s=float(self.settings.min_poll_s),
        )

    async def set_clock(self, at: datetime) -> None:
        self.shift = at - self._clock.now()


class SimPower:
    """Records shutdowns and restarts instead of doing them."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []

    async def shutdown(self, reason: str) -> None:
        self.requests.append(("shutdown", reason))

    async def restart(self, reason: str) -> None:
        self.requests.append(("restart", reason))


class SimEngine:
    """Containers in memory: every service runs and is healthy unless a test says otherwise.

    ``unhealthy_images`` never become healthy; ``missing_images`` cannot be pulled. Starting
    the system updater's container does what the updater does (without a bus to check).
    An archive loads the images its ``manifest.json`` names (as ``docker save`` writes it); a
    container's log is a line per start.
    """

    def __init__(self, services: tuple[str, ...] = (), image: str = "actkit:current") -> None:
        self.containers: dict[str, Container] = {
            f"actkit-{name}": _container(f"actkit-{name}", image, is_running=True)
            for name in services
        }
        self.unhealthy_images: set[str] = set()
        self.missing_images: set[str] = set()
        self.calls: list[str] = []
        self.exit_codes: dict[str, int] = {}
        self.images: dict[str, str] = {}
        """Image id by reference."""
        self.volumes: dict[str, dict[str, str]] = {}
        """Labels by volume name."""
        self.output: dict[str, str] = {}
        """What each container wrote."""
        self.networks: dict[str, dict[str, str]] = {}
        """Labels by network name."""
        self.crashing_images: set[str] = set()
        """Images whose program dies as soon as it starts: the engine keeps restarting it."""

    async def inspect(self, name: str) -> Container | None:
        return self.containers.get(name)

    async def pull(self, reference: str) -> None:
        self.calls.append(f"pull {reference}")
        if reference in self.missing_images:
            raise EngineError(f"pull {reference}: manifest unknown")
        if "@sha256:" in reference:
            # Pulled by digest: the image is known by that reference (its id is another hash).
            self.images[reference] = "sha256:" + reference.rsplit(":", 1)[1][::-1]

    async def create(self, name: str, image: str, spec: dict[str, object]) -> str:
        self.calls.append(f"create {name} {image}")
        if name in self.containers:
            raise EngineError(f"the name {name} is in use")
        self.containers[name] = _container(name, image, is_running=False, spec=spec)
        return name

    async def start(self, name: str) -> None:
        self.calls.append(f"start {name}")
        await self._start(name)

    async def _start(self, name: str) -> None:
        self._set(name, is_running=True)
        if self._get(name).image in self.crashing_images:
            crashed = replace(self._get(name), status="restarting", restart_count=1)
            self.containers[name] = crashed
        self.output[name] = self.output.get(name, "") + f"started {self._get(name).image}\n"
        command = self._get(name).spec.get("Cmd")
        if isinstance(command, list) and command[:1] == [UPDATE_COMMAND]:
            self.exit_codes[name] = await self._update_system(str(command[-1]))
            self._set(name, is_running=False)

    async def _update_system(self, image: str) -> int:
        """What the updater does: replace the system container, or put the old one back."""

        async def answers() -> bool:
            return True

        try:
            await replace_container(self, SYSTEM, image)
            await wait_healthy(self, SYSTEM, answers, timeout_s=0, poll_s=0)
        except (EngineError, Unhealthy):
            if f"{SYSTEM}-previous" not in self.containers:
                return 1
            try:
                await put_back(self, SYSTEM)
            except Stuck:
                return 2
            return 1
        return 0

    async def stop(self, name: str) -> None:
        self.calls.append(f"stop {name}")
        self._set(name, is_running=False)

    async def rename(self, name: str, new_name: str) -> None:
        self.calls.append(f"rename {name} {new_name}")
        container = self._get(name)
        del self.containers[name]
        self.containers[new_name] = replace(container, name=new_name)

    async def remove(self, name: str) -> None:
        self.calls.append(f"remove {name}")
        self.containers.pop(name, None)

    async def wait(self, name: str) -> int | None:
        self.calls.append(f"wait {name}")
        container = self.containers.get(name)
        if container is None:
            return None
        # Nothing runs in the simulation: a container waited for has done its work.
        self._set(name, is_running=False)
        return self.exit_codes.get(name, 0)

    async def load(self, archive: Path) -> None:
        self.calls.append(f"load {archive.name}")
        try:
            with tarfile.open(archive) as tar:
                member = tar.extractfile("manifest.json")
                entries = json.loads(member.read()) if member else []
            loaded = {
                tag: "sha256:" + Path(entry["Config"]).name.removesuffix(".json")
                for entry in entries
                for tag in entry.get("RepoTags") or []
            }
        except (tarfile.TarError, KeyError, TypeError, ValueError) as exc:
            raise EngineError(f"load the image archive: not an image archive ({exc})") from None
        self.images.update(loaded)

    async def image_id(self, reference: str) -> str | None:
        if reference in self.images.values():
            return reference
        return self.images.get(reference)

    async def remove_image(self, image: str) -> None:
        self.calls.append(f"remove image {image}")
        self.images = {ref: id_ for ref, id_ in self.images.items() if image not in (ref, id_)}

    async def create_volume(self, name: str, labels: dict[str, str]) -> None:
        self.calls.append(f"create volume {name}")
        self.volumes.setdefault(name, labels)

    async def remove_volume(self, name: str) -> None:
        self.calls.append(f"remove volume {name}")
        self.volumes.pop(name, None)

    async def logs(self, name: str, lines: int) -> str:
        self._get(name)
        return "".join(self.output.get(name, "").splitlines(keepends=True)[-lines:])

    async def signal(self, name: str, signal: str) -> None:
        self._get(name)
        self.calls.append(f"signal {name} {signal}")

    async def restart(self, name: str) -> None:
        self._get(name)
        self.calls.append(f"restart {name}")
        await self._start(name)

    async def ensure_network(self, name: str, labels: dict[str, str]) -> str:
        if name not in self.networks:
            self.calls.append(f"create network {name}")
            self.networks[name] = labels
        return SIM_GATEWAY

    async def close(self) -> None:
        """Nothing to let go of."""

    def _get(self, name: str) -> Container:
        if name not in self.containers:
            raise EngineError(f"no such container: {name}")
        return self.containers[name]

    def _set(self, name: str, is_running: bool) -> None:
        container = self._get(name)
        health = None
        if is_running:
            health = "unhealthy" if container.image in self.unhealthy_images else "healthy"
        status = "running" if is_running else "exited"
        self.containers[name] = replace(
            container, is_running=is_running, health=health, status=status
        )


_IDS = itertools.count(1)


def _container(
    name: str, image: str, is_running: bool, spec: dict[str, object] | None = None
) -> Container:
    return Container(
        container_id=f"{name}-{next(_IDS)}",
        name=name,
        image=image,
        is_running=is_running,
        health="healthy" if is_running else None,
        spec=spec or {"Env": [f"ACTKIT_SERVICE={name}"]},
        status="running" if is_running else "created",
    )
