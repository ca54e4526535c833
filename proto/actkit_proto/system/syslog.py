"""Remote syslog servers."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from actkit_proto.base import Ack, Command, Event, Reply, Role, RowId
from actkit_proto.system.logs import Severity


class SyslogFormat(StrEnum):
    """The message format sent to a remote syslog server."""

    AXIS = "axis"
    RFC3164 = "rfc3164"
    RFC5424 = "rfc5424"


class SyslogProtocol(StrEnum):
    """How messages travel to a remote syslog server."""

    UDP = "udp"
    TCP = "tcp"
    TLS = "tls"

    @property
    def default_port(self) -> int:
        """514 for UDP, 601 for TCP, 6514 for TLS."""
        return {"udp": 514, "tcp": 601, "tls": 6514}[self.value]


class SyslogServer(BaseModel):
    """A remote syslog server and what to send it."""

    model_config = ConfigDict(frozen=True)

    host: str = Field(min_length=1, max_length=253)
    """Host name or IP address."""
    format: SyslogFormat = SyslogFormat.RFC5424
    protocol: SyslogProtocol = SyslogProtocol.UDP
    port: int | None = Field(default=None, ge=1, le=65535)
    """``None``: the protocol's default port."""
    severity: Severity = Severity.WARNING
    """Send messages this severe and worse."""
    ca_certificate: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$"
    )
    """For TLS: the id of a CA certificate in the device's store (accounts) to trust, marked
    in use by ``syslog`` while a server names it; ``None`` trusts the system's CA set."""


class SyslogServerEntry(Reply):
    """A configured remote syslog server."""

    server_id: RowId
    server: SyslogServer


class SyslogServerList(Reply):
    """Every configured remote syslog server."""

    servers: list[SyslogServerEntry]


class ListSyslogServers(Command[SyslogServerList]):
    """The remote syslog servers."""

    subject: ClassVar[str] = "system.syslog.servers.list"
    required_role: ClassVar[Role] = Role.VIEWER


class AddSyslogServer(Command[SyslogServerEntry]):
    """Add a remote syslog server; delivery starts at once."""

    subject: ClassVar[str] = "system.syslog.servers.add"

    server: SyslogServer


class RemoveSyslogServer(Command[Ack]):
    """Stop sending to a remote syslog server and forget it."""

    subject: ClassVar[str] = "system.syslog.server.{server_id}.remove"

    server_id: RowId


class SyslogTestResult(Reply):
    """The outcome of a test message to a remote syslog server."""

    is_ok: bool
    answer: str
    """What happened (sent, or connected and written), or why it failed, in a sentence."""


class TestSyslogServer(Command[SyslogTestResult]):
    """Send one test message to a remote syslog server as typed (not yet saved)."""

    subject: ClassVar[str] = "system.syslog.servers.test"
    __test__: ClassVar[bool] = False
    """Not a pytest test class, despite its name."""

    server: SyslogServer


class SyslogDeliveryFailed(Event):
    """A remote syslog server could not be reached; delivery is retried with the next message."""

    subject: ClassVar[str] = "system.syslog.server.{server_id}.delivery_failed"

    server_id: RowId
    reason: str
