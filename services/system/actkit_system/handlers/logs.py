"""The system and access logs, and remote syslog servers."""

from __future__ import annotations

from collections.abc import Iterable

from actkit_core.certificate_uses import certificates_in_use, release_certificates
from actkit_proto import Ack, Conflict, Invalid, NotFound
from actkit_proto.accounts import AccessFailed
from actkit_proto.system import (
    AccessEntry,
    AccessLog,
    AddSyslogServer,
    ListAccessLog,
    ListSyslogServers,
    ListSystemLog,
    LogEntry,
    LogRecorded,
    RemoveSyslogServer,
    Severity,
    SyslogProtocol,
    SyslogServer,
    SyslogServerEntry,
    SyslogServerList,
    SyslogTestResult,
    SystemLog,
    TestSyslogServer,
)
from actkit_system.domain.logs import access_filter, system_filter
from actkit_system.domain.time import is_host
from actkit_system.handlers.deps import Deps
from actkit_system.metrics import LOG_LINES
from actkit_system.ports import SyslogTestFailed

MAX_SYSLOG_SERVERS = 8
SYSLOG_USER = "syslog"
"""How remote syslog is named in a CA certificate's ``used_by``."""


async def record_log(event: LogRecorded, deps: Deps) -> None:
    """Keep a service's log line and send it to the remote syslog servers."""
    entry = deps.system_log.add(
        lambda entry_id: LogEntry(
            entry_id=entry_id,
            at=event.at,
            severity=event.severity,
            service=event.service,
            logger=event.logger,
            message=event.message,
        )
    )
    deps.syslog.send(entry)
    LOG_LINES.labels(event.service, event.severity.value).inc()


def note(deps: Deps, severity: Severity, message: str) -> None:
    """Add a line of the system service's own (start-up, maintenance) to the system log."""
    entry = deps.system_log.add(
        lambda entry_id: LogEntry(
            entry_id=entry_id,
            at=deps.time.now(),
            severity=severity,
            service="system",
            logger="actkit_system",
            message=message,
        )
    )
    deps.syslog.send(entry)


async def record_access(event: AccessFailed, deps: Deps) -> None:
    deps.access_log.add(lambda entry_id: AccessEntry(entry_id=entry_id, **event.model_dump()))


async def flush_logs(deps: Deps) -> None:
    """Write the lines added since the last flush (called by a timer and at shutdown)."""
    system = deps.system_log.take_unsaved()
    access = deps.access_log.take_unsaved()
    if system or access:
        await deps.store.append_logs(
            system, access, deps.system_log.oldest_id(), deps.access_log.oldest_id()
        )


async def list_system_log(command: ListSystemLog, deps: Deps) -> SystemLog:
    entries, total = deps.system_log.newest(system_filter(command), command.limit)
    return SystemLog(entries=entries, total=total)


async def list_access_log(command: ListAccessLog, deps: Deps) -> AccessLog:
    entries, total = deps.access_log.newest(access_filter(command), command.limit)
    return AccessLog(entries=entries, total=total)


async def list_syslog_servers(_command: ListSyslogServers, deps: Deps) -> SyslogServerList:
    return SyslogServerList(servers=deps.current.syslog_servers)


def _checked(server: SyslogServer) -> SyslogServer:
    """The server as typed, host trimmed; Invalid with a sentence if it cannot be used."""
    server = server.model_copy(update={"host": server.host.strip()})
    if not is_host(server.host):
        raise Invalid(f"host: {server.host!r} is neither an IP address nor a host name")
    if server.ca_certificate and server.protocol is not SyslogProtocol.TLS:
        raise Invalid("ca_certificate: a CA certificate is only used with TLS")
    return server


async def add_syslog_server(command: AddSyslogServer, deps: Deps) -> SyslogServerEntry:
    server = _checked(command.server)
    servers = deps.current.syslog_servers
    if len(servers) >= MAX_SYSLOG_SERVERS:
        raise Conflict(f"at most {MAX_SYSLOG_SERVERS} remote syslog servers; remove one first")
    port = server.port or server.protocol.default_port
    for existing in servers:
        other = existing.server
        if (other.host, other.port or other.protocol.default_port, other.protocol) == (
            server.host,
            port,
            server.protocol,
        ):
            raise Conflict(
                f"{server.host}:{port} over {server.protocol.value} is already server "
                f"{existing.server_id}"
            )
    used = _cas_used(e.server for e in servers)
    async with certificates_in_use(
        deps.bus, SYSLOG_USER, used, used | _cas_used([server]), command.actor
    ):
        entry = await deps.store.add_syslog_server(server)
    await _apply_servers(deps, [*servers, entry])
    return entry


async def send_syslog_test(command: TestSyslogServer, deps: Deps) -> SyslogTestResult:
    """Send one NOTICE line, in the server's format and protocol, to a server as typed."""
    server = _checked(command.server)
    hostname = deps.current.hostname
    entry = LogEntry(
        entry_id=0,
        at=deps.time.now(),
        severity=Severity.NOTICE,
        service="system",
        logger="actkit_system",
        message=f"Test message from {hostname}'s remote syslog settings",
    )
    try:
        answer = await deps.syslog.send_test(entry, server, hostname, deps.current.time_zone())
    except SyslogTestFailed as exc:
        return SyslogTestResult(is_ok=False, answer=f"Not sent: {exc}.")
    return SyslogTestResult(is_ok=True, answer=answer)


async def remove_syslog_server(command: RemoveSyslogServer, deps: Deps) -> Ack:
    if not await deps.store.remove_syslog_server(command.server_id):
        raise NotFound(f"no remote syslog server {command.server_id}")
    servers = deps.current.syslog_servers
    remaining = [e for e in servers if e.server_id != command.server_id]
    await _apply_servers(deps, remaining)
    dropped = _cas_used(e.server for e in servers) - _cas_used(e.server for e in remaining)
    await release_certificates(deps.bus, SYSLOG_USER, sorted(dropped), command.actor)
    return Ack()


def _cas_used(servers: Iterable[SyslogServer]) -> set[str]:
    """The store's CA certificates ``servers`` trust (marked in use by ``syslog``)."""
    return {server.ca_certificate for server in servers if server.ca_certificate}


async def release_syslog_certificates(deps: Deps) -> None:
    """The remote syslog servers are forgotten (restore): their CAs are no longer in use."""
    used = _cas_used(e.server for e in deps.current.syslog_servers)
    await release_certificates(deps.bus, SYSLOG_USER, sorted(used), None)


async def _apply_servers(deps: Deps, servers: list[SyslogServerEntry]) -> None:
    deps.current.syslog_servers = servers
    await deps.syslog.configure(servers, deps.current.hostname, deps.current.time_zone())
