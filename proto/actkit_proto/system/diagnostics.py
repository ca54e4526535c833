"""Server reports and network traces."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from actkit_proto.base import Command, Event, Reply, Role


class ServerReport(Reply):
    """The device server report: product status in UTF-8 text, access log included."""

    text: str


class GetServerReport(Command[ServerReport]):
    """View the device server report."""

    subject: ClassVar[str] = "system.report.server"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class ReportArchive(Reply):
    """A .zip download."""

    file_name: str
    content_base64: str
    """The zip file, base64."""


class GetServerReportArchive(Command[ReportArchive]):
    """Download the server report: a .zip with the report text file (UTF-8)."""

    subject: ClassVar[str] = "system.report.server.archive"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class GetCrashReport(Command[ReportArchive]):
    """Download the crash report (more detail than the server report; may be sensitive).

    It holds the server report, every service's status, all parameters, the recent log lines
    of all services and what is installed.
    """

    subject: ClassVar[str] = "system.report.crash"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR


class NetworkTraceStage(StrEnum):
    """Where a network trace stands."""

    IDLE = "idle"
    RECORDING = "recording"
    READY = "ready"
    """Recorded: download it with :class:`GetNetworkTraceChunk`."""
    FAILED = "failed"


class NetworkTraceStatus(Reply):
    """The network trace being recorded or ready for download."""

    stage: NetworkTraceStage = NetworkTraceStage.IDLE
    duration_s: int = 0
    percent: int = Field(default=0, ge=0, le=100)
    file_name: str | None = None
    size_bytes: int = 0
    message: str = ""


class NetworkTraceProgressed(Event):
    """A network trace moved on (kept as the current state)."""

    subject: ClassVar[str] = "system.trace.progressed"
    stateful: ClassVar[bool] = True

    status: NetworkTraceStatus


TraceDurationS = Annotated[int, Field(ge=1, le=1800)]
"""How long a network trace records: 1 s to 30 min."""


class StartNetworkTrace(Command[NetworkTraceStatus]):
    """Record the network for a while (pcap); may contain certificates or passwords."""

    subject: ClassVar[str] = "system.trace.start"

    duration_s: TraceDurationS
    """Trace time: 1 s to 30 min."""


class NetworkTraceChunk(Reply):
    """A piece of the recorded trace file."""

    file_name: str
    offset: int
    size_bytes: int
    """The whole file's size."""
    content_base64: str
    is_last: bool


class GetNetworkTraceChunk(Command[NetworkTraceChunk]):
    """Download the recorded trace, a chunk at a time (the bus carries up to 1 MB a message)."""

    subject: ClassVar[str] = "system.trace.chunk"

    offset: int = Field(default=0, ge=0)
