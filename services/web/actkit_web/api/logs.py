"""REST: the system log, the access log and the remote syslog servers (system service)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from actkit_proto.system import (
    AccessLog,
    AddSyslogServer,
    ListAccessLog,
    ListSyslogServers,
    ListSystemLog,
    LogLimit,
    LogText,
    RemoveSyslogServer,
    Severity,
    SyslogServer,
    SyslogServerEntry,
    SyslogServerList,
    SyslogTestResult,
    SystemLog,
    TestSyslogServer,
)
from actkit_web.http.deps import ActingBusDep
from actkit_web.http.ids import PathId

router = APIRouter(prefix="/api/v1/logs", tags=["logs"])


class SystemLogFilter(BaseModel):
    """Which system log lines to show; every filter left empty shows all."""

    service: list[str] = Field(default_factory=list, max_length=16)
    """Only these services' lines (repeat the parameter for several)."""
    min_severity: Severity = Severity.DEBUG
    since: datetime | None = None
    until: datetime | None = None
    text: LogText | None = None
    limit: LogLimit = ListSystemLog.model_fields["limit"].default

    def command(self) -> ListSystemLog:
        return ListSystemLog(
            services=[name for name in self.service if name],
            min_severity=self.min_severity,
            since=self.since,
            until=self.until,
            text=self.text or None,
            limit=self.limit,
        )


class AccessLogFilter(BaseModel):
    """Which failed access attempts to show."""

    client_address: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=256)
    since: datetime | None = None
    until: datetime | None = None
    limit: LogLimit = ListAccessLog.model_fields["limit"].default

    def command(self) -> ListAccessLog:
        return ListAccessLog(
            client_address=self.client_address or None,
            name=self.name or None,
            since=self.since,
            until=self.until,
            limit=self.limit,
        )


@router.get("/system")
async def list_system_log(
    bus: ActingBusDep, wanted: Annotated[SystemLogFilter, Query()]
) -> SystemLog:
    """System log lines (start-up, warnings, critical messages), newest first."""
    return await bus.request(wanted.command())


@router.get("/access")
async def list_access_log(
    bus: ActingBusDep, wanted: Annotated[AccessLogFilter, Query()]
) -> AccessLog:
    """Failed attempts to access the device, newest first."""
    return await bus.request(wanted.command())


@router.get("/syslog-servers")
async def list_syslog_servers(bus: ActingBusDep) -> SyslogServerList:
    """The remote syslog servers the log is sent to."""
    return await bus.request(ListSyslogServers())


@router.post("/syslog-servers", status_code=201)
async def add_syslog_server(body: SyslogServer, bus: ActingBusDep) -> SyslogServerEntry:
    """Send the log to one more remote syslog server (administrator); delivery starts at once."""
    return await bus.request(AddSyslogServer(server=body))


@router.post("/syslog-servers/test")
async def test_syslog_server(body: SyslogServer, bus: ActingBusDep) -> SyslogTestResult:
    """Send one test message to a server as typed, before adding it (administrator)."""
    return await bus.request(TestSyslogServer(server=body))


@router.delete("/syslog-servers/{server_id}", status_code=204)
async def remove_syslog_server(server_id: PathId, bus: ActingBusDep) -> None:
    """Stop sending to a remote syslog server and forget it (administrator)."""
    await bus.request(RemoveSyslogServer(server_id=server_id))
