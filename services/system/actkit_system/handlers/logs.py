"""The system and access logs, and remote syslog servers."""

from __future__ import annotations

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
    SyslogServerEntry,
    SyslogServerList,
    SystemLog,
)
from actkit_system.domain.logs import access_filter, system_filter
from actkit_system.domain.time import is_host
from actkit_system.handlers.deps import Deps
from actkit_system.metrics import LOG_LINES

MAX_SYSLOG_SERVERS = 8


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


async def add_syslog_server(command: AddSyslogServer, deps: Deps) -> SyslogServerEntry:
    server = command.server.model_copy(update={"host": command.server.host.strip()})
    if not is_host(server.host):
        raise Invalid(f"host: {server.host!r} is neither an IP address nor a host name")
    if server.ca_certificate and server.protocol is not SyslogProtocol.TLS:
        raise Invalid("ca_certificate: a CA certificate is only used with TLS")
    if server.ca_certificate and "BEGIN CERTIFICATE" not in server.ca_certificate:
        raise Invalid("ca_certificate: give the CA certificate(s) in PEM format")
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
    entry = await deps.store.add_syslog_server(server)
    await _apply_servers(deps, [*servers, entry])
    return entry


async def remove_syslog_server(command: RemoveSyslogServer, deps: Deps) -> Ack:
    if not await deps.store.remove_syslog_server(command.server_id):
        raise NotFound(f"no remote syslog server {command.server_id}")
    remaining = [e for e in deps.current.syslog_servers if e.server_id != command.server_id]
    await _apply_servers(deps, remaining)
    return Ack()


async def _apply_servers(deps: Deps, servers: list[SyslogServerEntry]) -> None:
    deps.current.syslog_servers = servers
    await deps.syslog.configure(servers, deps.current.hostname, deps.current.time_zone())
