"""Messages every service answers; ``{service}`` in the subject is the serving service's name."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

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
