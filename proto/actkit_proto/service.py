"""Messages every service answers; ``{service}`` in the subject is the serving service's name."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from actkit_proto.base import Command, Reply, Role


class ServiceStatus(Reply):
    """How a service is doing."""

    service: str
    version: str
    started_at: datetime
    adapter: str | None = None
    """The hardware adapter in use (``sim`` or a real one), for hardware services."""
    metrics_port: int
    """The port its Prometheus /metrics is served on."""
    handled: int
    """Messages handled since start."""
    failed: int
    """Messages that ended in an error since start."""
    time_zone: str | None = None
    """The device's time zone the service follows as its local time; ``None`` until told."""


class GetServiceStatus(Command[ServiceStatus]):
    """Ask a service how it is doing."""

    subject: ClassVar[str] = "{service}.service.status"
    required_role: ClassVar[Role] = Role.VIEWER

    service: str


class Finding(Reply):
    """One fact about how well the device is protected, as the service that owns it sees it."""

    topic: str
    """What it is about, e.g. ``HTTPS`` or ``Brute-force protection``."""
    state: str
    """How it is set now, in words, e.g. ``on`` or ``Basic and Digest``; never a secret."""
    is_weak: bool
    """The hardening advice for such devices would change it."""
    recommendation: str | None = None
    """What to change and where, when it is weak."""

    @classmethod
    def judged(cls, topic: str, state: str, *, is_weak: bool, advice: str) -> Finding:
        """A finding that recommends ``advice`` only when it is weak."""
        return cls(
            topic=topic, state=state, is_weak=is_weak, recommendation=advice if is_weak else None
        )


class Hardening(Reply):
    """What a service owns that bears on the device's protection (none for most services)."""

    service: str
    findings: list[Finding]


class GetHardening(Command[Hardening]):
    """Ask a service for its part of the security summary the Status page shows."""

    subject: ClassVar[str] = "{service}.hardening.get"
    required_role: ClassVar[Role] = Role.VIEWER

    service: str


class Connection(Reply):
    """One TCP socket of a service's process: a port it listens on or a connection it accepted."""

    protocol: str
    """``tcp`` or ``tcp6``."""
    local_address: str
    local_port: int = Field(ge=0, le=65535)
    remote_address: str | None = None
    """The client's address; ``None`` for a listening socket."""
    remote_port: int | None = Field(default=None, ge=0, le=65535)
    state: str
    """``listen``, ``established``, ``time_wait`` ... as the kernel tells it."""
    pid: int
    process: str
    """The service's name."""


class ConnectionList(Reply):
    """A service's listening sockets and the connections clients made to them."""

    service: str
    connections: list[Connection]


class ListConnections(Command[ConnectionList]):
    """Ask a service which clients are connected to it (read from its own sockets).

    Administrators only: it names the addresses clients connect from, as the access log does.
    """

    subject: ClassVar[str] = "{service}.connections.list"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    service: str
