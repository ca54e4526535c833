"""The io service as a process: killed while holding outputs, restarted; a bad board profile."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_proto import Unavailable
from actkit_proto.io import (
    Circuit,
    ConfigurePort,
    Direction,
    GetPort,
    HoldPort,
    PortChanged,
    ReadSimLine,
)
from actkit_proto.service import GetServiceStatus, ServiceStatus

SERVICE = str(Path(sys.executable).parent / "actkit-io")


def _env(nats_server: str, data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "ACTKIT_IO_NATS_URL": nats_server,
        "ACTKIT_IO_DATA_DIR": str(data_dir),
        "ACTKIT_IO_METRICS_PORT": "0",
        **extra,
    }


@contextmanager
def _process(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        process = subprocess.Popen([SERVICE], env=env, stdout=out, stderr=out)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


async def _until_serving(bus: Bus, process: subprocess.Popen[bytes]) -> None:
    async def answers() -> ServiceStatus:
        assert process.poll() is None, "the io service exited"
        return await bus.request(GetServiceStatus(service="io"), timeout_s=0.5)

    await eventually(answers, timeout_s=15, interval_s=0.05, ignoring=(Unavailable,))


async def test_after_kill_9_while_held_settings_survive_outputs_start_open_then_normal(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    env = _env(nats_server, tmp_path)
    with _process(env, tmp_path / "first.log") as first:
        await _until_serving(bus, first)
        await bus.request(
            ConfigurePort(
                port_id=2, name="Siren", direction=Direction.OUTPUT, normal_state=Circuit.CLOSED
            )
        )
        await bus.request(ConfigurePort(port_id=4, is_supervised=True, debounce_ms=80))
        await bus.request(HoldPort(port_id=9, holder="rule:1"))
        held = await bus.request(HoldPort(port_id=2, holder="rule:2"))
        assert (held.is_active, held.circuit) == (True, Circuit.OPEN)
        [relay] = await bus.current(PortChanged, port_id="9")
        assert relay.is_active
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)

    announced: list[PortChanged] = []

    async def collect(event: PortChanged) -> None:
        announced.append(event)

    await bus.subscribe(PortChanged, collect)
    await bus.client.flush()
    with _process(env, tmp_path / "second.log") as second:
        await _until_serving(bus, second)
        siren = await bus.request(GetPort(port_id=2))
        assert (siren.name, siren.direction, siren.normal_state) == (
            "Siren",
            Direction.OUTPUT,
            Circuit.CLOSED,
        )
        assert (siren.is_active, siren.holders) == (False, [])
        port4 = await bus.request(GetPort(port_id=4))
        assert (port4.is_supervised, port4.debounce_ms) == (True, 80)
        assert (await bus.request(ReadSimLine(port_id=2))).writes == [Circuit.OPEN, Circuit.CLOSED]
        relay_line = await bus.request(ReadSimLine(port_id=9))
        assert (relay_line.writes, relay_line.is_high) == ([Circuit.OPEN], False)
        [relay] = await bus.current(PortChanged, port_id="9")
        assert not relay.is_active
        await bus.client.flush()
        assert sorted({e.port_id for e in announced}) == list(range(1, 10))


async def test_a_bad_board_profile_stops_start_up_with_the_line_and_problem(
    nats_server: str, tmp_path: Path
) -> None:
    board = tmp_path / "bad.toml"
    board.write_text('name = "bad"\n\n[[port]]\nid = 1\nkind = "lamp"\n')
    env = _env(nats_server, tmp_path, ACTKIT_IO_BOARD=str(board))
    result = subprocess.run([SERVICE], env=env, capture_output=True, timeout=30, check=False)
    assert result.returncode == 1
    stderr = result.stderr.decode()
    assert f"io: cannot start: bad board profile: {board}:3: [[port]] #1 kind: " in stderr
    assert "Traceback" not in stderr
