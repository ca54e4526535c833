"""What the system service drives outside itself, as interfaces; adapters/ implements them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from actkit_core.clock import Clock
from actkit_proto.system import LogEntry, SyslogServer, SyslogServerEntry, TimeSettings


@dataclass(frozen=True)
class SyncStatus:
    """How the clock's synchronisation stands."""

    is_synchronized: bool
    server: str | None = None
    offset_s: float | None = None
    next_sync_s: float | None = None


class TimeKeeper(Clock, Protocol):
    """The device clock (the one every service reads, settable here) and its synchronisation."""

    async def apply(self, settings: TimeSettings, time_zone: str) -> None:
        """Carry out time settings and put the zone in force."""

    async def status(self) -> SyncStatus:
        """Whether and how well the clock is synchronised."""

    async def set_clock(self, at: datetime) -> None:
        """Set the clock by hand (custom date and time)."""


class DhcpTimeZone(Protocol):
    """The time zone the DHCP server offers (option 101, an IANA name); only ever read."""

    async def offered(self) -> str | None:
        """The zone the current lease carries; None without a lease, the option or the source."""

    async def close(self) -> None:
        """Let go of the source (at stop)."""


class PowerControl(Protocol):
    """The operating system's power: what a clean shutdown or restart asks of the board."""

    async def shutdown(self, reason: str) -> None:
        """Shut the device down cleanly."""

    async def restart(self, reason: str) -> None:
        """Restart the device (every service)."""


class SyslogTestFailed(Exception):
    """A test message could not reach a remote syslog server; the message says why."""


class SyslogOutput(Protocol):
    """Delivery of system log lines to the remote syslog servers."""

    async def configure(
        self, servers: list[SyslogServerEntry], hostname: str, time_zone: str
    ) -> None:
        """Send to these servers from now on."""

    def send(self, entry: LogEntry) -> None:
        """Queue a line for every server whose severity it meets; never blocks."""

    async def send_test(
        self, entry: LogEntry, server: SyslogServer, hostname: str, time_zone: str
    ) -> str:
        """Send one line to ``server`` now, on a connection of its own; say what happened.

        Raises:
            SyslogTestFailed: it could not be sent; the message says why and what to check.
        """

    async def close(self) -> None:
        """Flush what can be flushed quickly and close the connections."""


@dataclass(frozen=True)
class Container:
    """A service's container as the engine reports it."""

    container_id: str
    name: str
    image: str
    """The image reference it was created from."""
    is_running: bool
    health: str | None
    """``starting``, ``healthy`` or ``unhealthy``; ``None`` without a health check."""
    spec: dict[str, object]
    """What it was created with (environment, volumes, networks, health check), to clone it."""
    status: str = ""
    """The engine's word for its state: ``created``, ``running``, ``restarting``, ``exited`` …"""
    address: str = ""
    """Its IP address in its network while it runs ("" when it has none)."""
    restart_count: int = 0
    """How often the engine started it again after it died (its restart policy)."""


class EngineError(Exception):
    """The container engine refused or failed a call; the message says what and why."""


class ContainerEngine(Protocol):
    """The container engine that runs the services (Docker Engine API on the board)."""

    async def inspect(self, name: str) -> Container | None:
        """The container called ``name``, or ``None``."""

    async def pull(self, reference: str) -> None:
        """Fetch an image."""

    async def create(self, name: str, image: str, spec: dict[str, object]) -> str:
        """Create a container from ``image`` with another's ``spec``; returns its id."""

    async def start(self, name: str) -> None:
        """Start a container."""

    async def stop(self, name: str) -> None:
        """Stop a container (already stopped is fine)."""

    async def rename(self, name: str, new_name: str) -> None:
        """Rename a container."""

    async def remove(self, name: str) -> None:
        """Remove a container (stopped or not)."""

    async def wait(self, name: str) -> int | None:
        """Wait until a container is not running; its exit code, or ``None`` when there is none."""

    async def close(self) -> None:
        """Let go of the engine's connection."""


class AppEngine(ContainerEngine, Protocol):
    """What apps need of the engine beside containers: images from archives, volumes, logs."""

    async def load(self, archive: Path) -> None:
        """Load the images of a ``docker save`` archive."""

    async def image_id(self, reference: str) -> str | None:
        """The id (``sha256:…``) of the image ``reference`` names, or ``None``."""

    async def remove_image(self, image: str) -> None:
        """Remove an image (gone already is fine)."""

    async def create_volume(self, name: str, labels: dict[str, str]) -> None:
        """Create a named volume (there already is fine)."""

    async def remove_volume(self, name: str) -> None:
        """Remove a named volume and its data (gone already is fine)."""

    async def logs(self, name: str, lines: int) -> str:
        """The last ``lines`` lines a container wrote, its output and errors together."""

    async def signal(self, name: str, signal: str) -> None:
        """Send a signal (``HUP``) to a running container's main process."""

    async def restart(self, name: str) -> None:
        """Stop a container and start it again (stopped already: started); its spec stays."""

    async def ensure_network(self, name: str, labels: dict[str, str]) -> str:
        """Make the internal network ``name`` unless there is one; its gateway ("" for none)."""


class AppsBusRelay(Protocol):
    """How apps reach a nats-server that is not in their network (``actkit run``)."""

    async def listen(self, host: str, port: int) -> None:
        """Offer the bus to apps at ``host:port`` (once)."""

    async def close(self) -> None:
        """Stop offering it."""


class BusServer(Protocol):
    """The nats-server the services use, as far as the apps' users need it."""

    async def reload(self) -> None:
        """Have it read its configuration again (the apps' users file); connections stay.

        Raises:
            ReloadFailed: it could not be told.
        """

    async def check_restart(self) -> None:
        """Whether :meth:`restart` can be made now (said before the restart drops connections).

        Raises:
            ReloadFailed: it cannot (no engine, no such container, no server); the text says why.
        """

    async def restart(self) -> None:
        """Stop it and start it again, for what a reload cannot change (its name, its domain).

        Every connection drops; the clients reconnect by themselves.

        Raises:
            ReloadFailed: it could not be restarted.
        """


class ReloadFailed(Exception):
    """nats-server could not be told to reload, or could not be restarted; the text says why."""


class PacketCapture(Protocol):
    """Recording the network to a pcap file (tcpdump on the board)."""

    async def record(
        self, path: Path, duration_s: int, progress: Callable[[int], Awaitable[None]]
    ) -> None:
        """Record for ``duration_s`` into ``path``, calling ``progress(seconds_done)`` each second.

        Raises:
            Unavailable: no capture tool on this device, or it failed.
        """
