"""Network traces with tcpdump: every interface, whole packets, written as pcap."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

from actkit_proto import Unavailable

STOP_TIMEOUT_S = 5.0


class TcpdumpCapture:
    """Runs ``tcpdump -i any -w <file>`` for the trace time, then stops it with SIGINT."""

    def __init__(self, executable: str = "tcpdump", interface: str = "any") -> None:
        self.executable = executable
        self.interface = interface

    async def record(
        self, path: Path, duration_s: int, progress: Callable[[int], Awaitable[None]]
    ) -> None:
        program = shutil.which(self.executable)
        if program is None:
            raise Unavailable(
                f"network trace needs {self.executable}, which is not installed on this device"
            )
        process = await asyncio.create_subprocess_exec(
            program, "-i", self.interface, "-s", "0", "-U", "-n", "-w", str(path),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            for second in range(1, duration_s + 1):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), 1.0)
                if process.returncode is not None:
                    break
                await progress(second)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGINT)
                try:
                    await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
                except TimeoutError:
                    process.kill()
                    await process.wait()
        assert process.stderr is not None
        errors = (await process.stderr.read()).decode(errors="replace").strip()
        if not path.exists() or (process.returncode not in (0, -signal.SIGINT)):
            last = errors.splitlines()[-1] if errors else f"exit status {process.returncode}"
            raise Unavailable(f"network trace failed: {last}")
