"""The server report, its .zip, and the crash report."""

from __future__ import annotations

import asyncio
import base64

from actkit_proto import BusError
from actkit_proto.service import GetServiceStatus, ServiceStatus
from actkit_proto.system import (
    GetCrashReport,
    GetIdentity,
    GetServerReport,
    GetServerReportArchive,
    GetTimeStatus,
    ListAccessLog,
    ListPlainConfig,
    ListSystemLog,
    ReportArchive,
    ServerReport,
)
from actkit_system.domain.report import archive, as_json, log_line, parameters_text, server_report
from actkit_system.handlers.config import list_plain_config
from actkit_system.handlers.deps import Deps
from actkit_system.handlers.device import get_identity, get_time_status
from actkit_system.handlers.logs import list_access_log, list_system_log

REPORT_LOG_LINES = 500
CRASH_LOG_LINES = 5000
STATUS_TIMEOUT_S = 1.5


async def get_server_report(_command: GetServerReport, deps: Deps) -> ServerReport:
    return ServerReport(text=await _server_report(deps))


async def get_server_report_archive(_command: GetServerReportArchive, deps: Deps) -> ReportArchive:
    text = await _server_report(deps)
    name = _file_name(deps, "server_report")
    return _reply(f"{name}.zip", archive({f"{name}.txt": text}))


async def get_crash_report(_command: GetCrashReport, deps: Deps) -> ReportArchive:
    statuses, missing = await _statuses(deps)
    recent = await list_system_log(ListSystemLog(limit=1000), deps)
    everything = list(deps.system_log.entries)[-CRASH_LOG_LINES:]
    by_service: dict[str, list[str]] = {}
    for entry in everything:
        by_service.setdefault(entry.service, []).append(log_line(entry))
    files = {
        "server_report.txt": await _server_report(deps),
        "parameters.txt": parameters_text(
            (await list_plain_config(ListPlainConfig(), deps)).parameters
        ),
        "services.json": as_json(
            {"answering": [s.model_dump(mode="json") for s in statuses], "missing": missing}
        ),
        "upgrade.json": as_json(deps.upgrades.record.model_dump(mode="json")),
        "system_log_recent.json": as_json(recent.model_dump(mode="json")),
    }
    for service, lines in sorted(by_service.items()):
        files[f"logs/{service}.log"] = "\n".join(lines) + "\n"
    name = _file_name(deps, "crash_report")
    return _reply(f"{name}.zip", archive({f"{name}/{path}": text for path, text in files.items()}))


async def _server_report(deps: Deps) -> str:
    statuses, missing = await _statuses(deps)
    system_log = list(deps.system_log.entries)[-REPORT_LOG_LINES:]
    access = await list_access_log(ListAccessLog(limit=1000), deps)
    return server_report(
        identity=await get_identity(GetIdentity(), deps),
        generated_at=deps.time.now(),
        time=await get_time_status(GetTimeStatus(), deps),
        upgrade=deps.upgrades.status(),
        services=statuses,
        missing=missing,
        system_log=system_log,
        access_log=list(reversed(access.entries)),
    )


async def _statuses(deps: Deps) -> tuple[list[ServiceStatus], list[str]]:
    async def one(service: str) -> ServiceStatus | None:
        try:
            return await deps.bus.request(GetServiceStatus(service=service), STATUS_TIMEOUT_S)
        except BusError:
            return None

    answers = await asyncio.gather(*(one(service) for service in deps.services))
    found = [answer for answer in answers if answer is not None]
    missing = [s for s, answer in zip(deps.services, answers, strict=True) if answer is None]
    return found, missing


def _file_name(deps: Deps, kind: str) -> str:
    return f"{deps.identity.serial_number}_{kind}_{deps.time.now():%Y%m%dT%H%M%SZ}"


def _reply(file_name: str, data: bytes) -> ReportArchive:
    return ReportArchive(file_name=file_name, content_base64=base64.b64encode(data).decode())
