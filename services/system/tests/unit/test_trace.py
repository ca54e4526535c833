import base64
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Conflict, Invalid, NotFound, Unavailable
from actkit_proto.system import (
    GetNetworkTraceChunk,
    NetworkTraceProgressed,
    NetworkTraceStage,
    StartNetworkTrace,
)
from actkit_system.adapters.tcpdump import TcpdumpCapture
from actkit_system.handlers import Deps
from actkit_system.handlers.trace import CHUNK_BYTES


class RecordedCapture:
    """Writes a made-up capture of ``size`` bytes and reports every second, at once."""

    def __init__(self, size: int) -> None:
        self.size = size

    async def record(
        self, path: Path, duration_s: int, progress: Callable[[int], Awaitable[None]]
    ) -> None:
        for second in range(1, duration_s + 1):
            await progress(second)
        path.write_bytes(bytes(range(256)) * (self.size // 256))


async def test_a_trace_reports_progress_and_downloads_in_chunks(
    fake_bus: FakeBus, deps: Deps
) -> None:
    deps.trace.capture = RecordedCapture(size=CHUNK_BYTES + 1024)
    started = await fake_bus.request(StartNetworkTrace(duration_s=4))
    assert started.stage is NetworkTraceStage.RECORDING
    assert deps.trace.task is not None
    await deps.trace.task
    percents = [
        e.status.percent for e in fake_bus.published if isinstance(e, NetworkTraceProgressed)
    ]
    assert percents == [0, 25, 50, 75, 99, 100]
    first = await fake_bus.request(GetNetworkTraceChunk())
    assert (first.size_bytes, first.is_last) == (CHUNK_BYTES + 1024, False)
    second = await fake_bus.request(GetNetworkTraceChunk(offset=CHUNK_BYTES))
    assert second.is_last
    data = base64.b64decode(first.content_base64) + base64.b64decode(second.content_base64)
    assert data == bytes(range(256)) * ((CHUNK_BYTES + 1024) // 256)
    assert first.file_name.endswith(".pcap")
    with pytest.raises(Invalid, match="past the end"):
        await fake_bus.request(GetNetworkTraceChunk(offset=CHUNK_BYTES * 3))


async def test_without_tcpdump_the_trace_fails_with_a_clear_reason(
    fake_bus: FakeBus, deps: Deps
) -> None:
    deps.trace.capture = TcpdumpCapture("tcpdump-not-installed")
    await fake_bus.request(StartNetworkTrace(duration_s=1))
    assert deps.trace.task is not None
    await deps.trace.task
    assert deps.trace.status.stage is NetworkTraceStage.FAILED
    assert deps.trace.status.message == (
        "network trace needs tcpdump-not-installed, which is not installed on this device"
    )
    with pytest.raises(NotFound, match="no network trace is ready"):
        await fake_bus.request(GetNetworkTraceChunk())


async def test_one_trace_at_a_time(fake_bus: FakeBus, deps: Deps) -> None:
    deps.trace.capture = RecordedCapture(size=256)
    await fake_bus.request(StartNetworkTrace(duration_s=2))
    with pytest.raises(Conflict, match="being recorded"):
        await fake_bus.request(StartNetworkTrace(duration_s=2))


async def test_the_adapter_refuses_clearly_when_the_tool_is_missing(tmp_path: Path) -> None:
    async def ignore(_seconds: int) -> None:
        return None

    with pytest.raises(Unavailable, match="not installed"):
        await TcpdumpCapture("no-such-tool").record(tmp_path / "x.pcap", 1, ignore)
