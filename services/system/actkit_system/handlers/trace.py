"""The network trace: record for the chosen time with progress, then download it in chunks."""

from __future__ import annotations

import asyncio
import base64
import contextlib

from actkit_proto import BusError, Conflict, Invalid, NotFound
from actkit_proto.system import (
    GetNetworkTraceChunk,
    NetworkTraceChunk,
    NetworkTraceProgressed,
    NetworkTraceStage,
    NetworkTraceStatus,
    StartNetworkTrace,
)
from actkit_system.handlers.deps import Deps

CHUNK_BYTES = 512 * 1024


async def start_network_trace(command: StartNetworkTrace, deps: Deps) -> NetworkTraceStatus:
    trace = deps.trace
    if trace.task is not None and not trace.task.done():
        raise Conflict(f"a {trace.status.duration_s} s network trace is being recorded; wait")
    name = f"{deps.identity.serial_number}_trace_{deps.time.now():%Y%m%dT%H%M%SZ}.pcap"
    trace.folder.mkdir(parents=True, exist_ok=True)
    for old in trace.folder.glob("*.pcap"):
        old.unlink()
    await _progress(
        deps,
        NetworkTraceStatus(
            stage=NetworkTraceStage.RECORDING, duration_s=command.duration_s, file_name=name
        ),
    )
    trace.task = asyncio.create_task(_record(deps, name, command.duration_s))
    return trace.status


async def get_network_trace_chunk(command: GetNetworkTraceChunk, deps: Deps) -> NetworkTraceChunk:
    status = deps.trace.status
    if status.stage is not NetworkTraceStage.READY or status.file_name is None:
        raise NotFound("no network trace is ready; start one and wait until it is recorded")
    path = deps.trace.folder / status.file_name
    size = path.stat().st_size
    if command.offset > size:
        raise Invalid(f"offset {command.offset} is past the end of the {size}-byte trace")
    with path.open("rb") as handle:
        handle.seek(command.offset)
        data = handle.read(CHUNK_BYTES)
    return NetworkTraceChunk(
        file_name=status.file_name,
        offset=command.offset,
        size_bytes=size,
        content_base64=base64.b64encode(data).decode(),
        is_last=command.offset + len(data) >= size,
    )


async def _record(deps: Deps, name: str, duration_s: int) -> None:
    path = deps.trace.folder / name
    started = deps.trace.status

    async def progress(seconds: int) -> None:
        percent = min(99, seconds * 100 // duration_s)
        await _progress(deps, started.model_copy(update={"percent": percent}))

    try:
        await deps.trace.capture.record(path, duration_s, progress)
    except BusError as exc:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        failed = NetworkTraceStage.FAILED
        await _progress(deps, started.model_copy(update={"stage": failed, "message": exc.message}))
        return
    ready = {"stage": NetworkTraceStage.READY, "percent": 100, "size_bytes": path.stat().st_size}
    await _progress(deps, started.model_copy(update=ready))


async def _progress(deps: Deps, status: NetworkTraceStatus) -> None:
    deps.trace.status = status
    await deps.bus.publish(NetworkTraceProgressed(status=status))
