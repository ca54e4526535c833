"""REST: restart, restore, factory default, upgrades, reports and the network trace."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel

from actkit_proto.system import (
    ConfirmUpgrade,
    ConfirmWithinS,
    FactoryDefault,
    GetCrashReport,
    GetNetworkTraceChunk,
    GetServerReport,
    GetServerReportArchive,
    GetUpgradeSettings,
    GetUpgradeStatus,
    MaintenanceResult,
    NetworkTraceChunk,
    NetworkTraceProgressed,
    NetworkTraceStatus,
    ReportArchive,
    Restart,
    Restore,
    RollbackUpgrade,
    StartNetworkTrace,
    StartUpgrade,
    TraceDurationS,
    UpgradeBundle,
    UpgradeMode,
    UpgradeSettings,
    UpgradeStatus,
)
from actkit_web.api.openapi import ErrorAnswer
from actkit_web.http.deps import ActingBus, ActingBusDep

router = APIRouter(prefix="/api/v1", tags=["maintenance"])
ZIP = "application/zip"


class UpgradeRequest(BaseModel):
    bundle: UpgradeBundle
    mode: UpgradeMode = StartUpgrade.model_fields["mode"].default
    confirm_within_s: ConfirmWithinS = StartUpgrade.model_fields["confirm_within_s"].default
    """Autorollback: confirm within this time, or the previous version comes back."""


class TraceRequest(BaseModel):
    duration_s: TraceDurationS


@router.post("/maintenance/restart")
async def restart(bus: ActingBusDep) -> MaintenanceResult:
    """Restart every service; settings are kept (administrator)."""
    return await bus.request(Restart())


@router.post("/maintenance/restore")
async def restore(bus: ActingBusDep) -> MaintenanceResult:
    """Most settings back to factory default; the manual's network settings are kept."""
    return await bus.request(Restore())


@router.post("/maintenance/factory-default")
async def factory_default(bus: ActingBusDep) -> MaintenanceResult:
    """Every setting back to factory default, the IP address included (administrator)."""
    return await bus.request(FactoryDefault())


@router.get("/upgrade")
async def get_upgrade_status(bus: ActingBusDep) -> UpgradeStatus:
    """The installed version and any rollout in progress."""
    return await bus.request(GetUpgradeStatus())


@router.get("/upgrade/settings")
async def get_upgrade_settings(bus: ActingBusDep) -> UpgradeSettings:
    """Whose signatures an update needs (administrator)."""
    return await bus.request(GetUpgradeSettings())


@router.post("/upgrade", status_code=202)
async def start_upgrade(body: UpgradeRequest, bus: ActingBusDep) -> UpgradeStatus:
    """Verify a bundle and start installing it; follow it with GET /upgrade (administrator)."""
    return await bus.request(
        StartUpgrade(bundle=body.bundle, mode=body.mode, confirm_within_s=body.confirm_within_s)
    )


@router.post("/upgrade/confirm")
async def confirm_upgrade(bus: ActingBusDep) -> UpgradeStatus:
    """Keep the new version (autorollback)."""
    return await bus.request(ConfirmUpgrade())


@router.post("/upgrade/rollback", status_code=202)
async def rollback_upgrade(bus: ActingBusDep) -> UpgradeStatus:
    """Go back to the previously installed version."""
    return await bus.request(RollbackUpgrade())


@router.get("/reports/server", response_class=PlainTextResponse)
async def server_report(bus: ActingBusDep) -> PlainTextResponse:
    """The server report: product status as UTF-8 text, access log included (administrator)."""
    return PlainTextResponse((await bus.request(GetServerReport())).text)


@router.get("/reports/server.zip", response_class=Response, responses={200: {"content": {ZIP: {}}}})
async def server_report_archive(bus: ActingBusDep) -> Response:
    """The server report as a .zip download (administrator)."""
    return download(await bus.request(GetServerReportArchive()), ZIP)


@router.get("/reports/crash.zip", response_class=Response, responses={200: {"content": {ZIP: {}}}})
async def crash_report(bus: ActingBusDep) -> Response:
    """The crash report, with more detail than the server report; it may be sensitive."""
    return download(await bus.request(GetCrashReport()), ZIP)


@router.get("/network-trace")
async def network_trace_status(bus: ActingBusDep) -> NetworkTraceStatus:
    """Whether a network trace is being recorded or ready (its stage, not its content)."""
    kept = await bus.bus.current(NetworkTraceProgressed)
    return kept[-1].status if kept else NetworkTraceStatus()


@router.post("/network-trace", status_code=202)
async def start_network_trace(body: TraceRequest, bus: ActingBusDep) -> NetworkTraceStatus:
    """Record the network for a while (pcap); it may hold certificates or passwords."""
    return await bus.request(StartNetworkTrace(duration_s=body.duration_s))


@router.get(
    "/network-trace/file",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/vnd.tcpdump.pcap": {}}},
        404: {"model": ErrorAnswer, "description": "No trace is ready (yet)."},
    },
)
async def network_trace_file(bus: ActingBusDep) -> StreamingResponse:
    """The recorded trace (pcap), once it is ready (administrator)."""
    first = await bus.request(GetNetworkTraceChunk(offset=0))
    return StreamingResponse(
        _chunks(bus, first),
        media_type="application/vnd.tcpdump.pcap",
        headers={
            "Content-Disposition": f'attachment; filename="{first.file_name}"',
            "Content-Length": str(first.size_bytes),
        },
    )


async def _chunks(bus: ActingBus, chunk: NetworkTraceChunk) -> AsyncIterator[bytes]:
    while True:
        data = base64.b64decode(chunk.content_base64)
        yield data
        if chunk.is_last or not data:
            return
        chunk = await bus.request(GetNetworkTraceChunk(offset=chunk.offset + len(data)))


def download(archive: ReportArchive, media_type: str) -> Response:
    """A file the browser saves under the owner's name for it."""
    return Response(
        base64.b64decode(archive.content_base64),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{archive.file_name}"'},
    )
