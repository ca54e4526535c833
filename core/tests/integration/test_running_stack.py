"""``running_stack``: ``actkit run`` on free ports as the cross-service tests get it."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import psutil
import pytest

from actkit_core.bus import Bus
from actkit_core.testing import stack
from actkit_core.testing.forker import StackForker
from actkit_core.testing.stack import Stack, free_port_range, free_udp_port, running_stack
from actkit_proto.io import Circuit, DriveInput, PortChanged
from actkit_proto.service import GetServiceStatus
from actkit_proto.services import SERVICE_NAMES


@pytest.mark.timeout(120)
def test_the_stack_runs_every_service_forked_on_its_own_ports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    picked: list[int] = []
    metrics_bases: list[int] = []

    # The first port picked and the metrics ports overlap, whichever is chosen first; the
    # third pick repeats the second. A port picked twice or among the metrics is picked again.
    def free_port() -> int:
        if not picked and metrics_bases:
            picked.append(metrics_bases[0])
        else:
            picked.append(picked[1] if len(picked) == 2 else stack_free_port())
        return picked[-1]

    def free_port_range(count: int, kinds: Sequence[int] = (socket.SOCK_STREAM,)) -> int:
        if count == len(SERVICE_NAMES):
            metrics_bases.append(picked[0] if picked else stack_free_port_range(count, kinds))
            return metrics_bases[-1]
        return stack_free_port_range(count, kinds)

    stack_free_port, stack_free_port_range = stack.free_port, stack.free_port_range
    monkeypatch.setattr(stack, "free_port", free_port)
    monkeypatch.setattr(stack, "free_port_range", free_port_range)
    with running_stack(tmp_path / "var") as running:
        ports = {running.https_url, running.http_url, running.rtsp_port}
        assert picked[2] == picked[1]
        assert len(ports) == 3
        assert not running.nats_url.endswith(f":{metrics_bases[0]}")
        processes = running.processes()
        assert set(processes) == {*SERVICE_NAMES, "nats-server"}
        assert running.https_url.startswith("https://localhost:")
        assert running.http_url.startswith("http://localhost:")
        assert running.rtsp_port > 0
        assert running.started_in_s > 0

        async def status() -> int:
            async with Bus.connect(
                "probe", servers=[running.nats_url], **running.credentials()
            ) as bus:
                return (
                    await bus.request(GetServiceStatus(service="io"), timeout_s=10)
                ).metrics_port

        assert asyncio.run(status()) == running.metrics_port("io")
        assert running.credentials("integrator")["user"] == "integrator"
        # Stopped inside the block (as a test of Ctrl-C does): leaving it only waits.
        running.process.send_signal(signal.SIGINT)
        running.process.wait(timeout=30)
    assert running.process.returncode == 0
    assert not any(process.is_running() for process in processes.values())


def test_a_stack_that_does_not_come_up_fails_with_its_log(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "var"
    not_a_folder.write_text("")
    with (
        pytest.raises(AssertionError, match=r"NotADirectoryError|FileExistsError"),
        running_stack(not_a_folder),
    ):
        pytest.fail("the block runs only once the stack is up")


@pytest.mark.timeout(60)
def test_a_stack_given_up_on_while_it_starts_is_stopped(tmp_path: Path) -> None:
    # No time at all to come up: the stack is still starting when the block gives up on it.
    # A service told to stop while it starts can take until the supervisor kills it (5 s):
    # its cancellation may be lost in nats-py's wait_for (see actkit_core.tasks.stop_task).
    with (
        pytest.raises(AssertionError),
        running_stack(tmp_path / "var", timeout_s=0),
    ):
        pytest.fail("the block runs only once the stack is up")


def test_no_free_port_range_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        monkeypatch.setattr(stack.random, "randrange", lambda *_: taken.getsockname()[1])
        with pytest.raises(RuntimeError, match="no free port range"):
            free_port_range(3)


def test_a_free_udp_port_is_free_for_tcp_too_and_not_an_outgoing_one() -> None:
    port = free_udp_port()
    assert port < stack.first_ephemeral_port()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, socket.socket() as tcp:
        udp.bind(("127.0.0.1", port))
        tcp.bind(("127.0.0.1", port))


def test_a_process_a_service_started_is_not_taken_for_one_of_the_stack(tmp_path: Path) -> None:
    # A shell standing in for `actkit run`, with a tool (sleep) below it and one service.
    service = "import setproctitle, time; setproctitle.setproctitle('actkit-io'); time.sleep(30)"
    script = f'sleep 30 & {sys.executable} -c "{service}" & wait'
    process = subprocess.Popen(["bash", "-c", script], text=True)
    try:
        running = stack.Stack(process, tmp_path, "", 0, [], 0.0)
        for _ in range(250):  # until the stand-in service has its title
            if set(running.processes()) == {"io"}:
                break
            time.sleep(0.02)
        assert set(running.processes()) == {"io"}
        assert len(psutil.Process(process.pid).children()) == 2
    finally:
        for child in psutil.Process(process.pid).children():
            child.kill()
        process.kill()
        process.wait()


def test_ports_are_taken_below_the_ports_of_outgoing_connections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert free_port_range(5) + 5 <= stack.first_ephemeral_port()
    assert stack.free_port() < stack.first_ephemeral_port()
    (tmp_path / "range").write_text("40000\t60999\n")
    monkeypatch.setattr(stack, "EPHEMERAL_PORTS", tmp_path / "range")
    assert stack.first_ephemeral_port() == 40000
    monkeypatch.setattr(stack, "EPHEMERAL_PORTS", tmp_path / "missing")
    assert stack.first_ephemeral_port() == 32768


def test_a_kernel_that_gives_every_port_to_outgoing_connections_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "range").write_text("1024\t65535\n")
    monkeypatch.setattr(stack, "EPHEMERAL_PORTS", tmp_path / "range")
    with pytest.raises(RuntimeError, match="every port from 1024"):
        free_port_range(3)


async def _connected(running: Stack, stack: AsyncExitStack, deadline: float) -> Bus:
    """A bus connection, open until ``stack`` closes, once nats-server accepts one."""
    while True:
        try:
            return await stack.enter_async_context(
                Bus.connect("probe", servers=[running.nats_url], **running.credentials())
            )
        except Exception:
            assert time.monotonic() < deadline, "nats-server was not restarted"
            await asyncio.sleep(0.1)


async def _every_service_answers(running: Stack, deadline: float) -> None:
    """Until every service answers ``$SRV.PING``, a REST call and a command work again."""
    async with AsyncExitStack() as stack:
        bus = await _connected(running, stack, deadline)
        waiting = list(SERVICE_NAMES)
        while waiting:
            try:
                await bus.client.request(f"$SRV.PING.{waiting[0]}", b"", timeout=0.5)
            except Exception:
                assert time.monotonic() < deadline, f"{waiting} do not answer"
                await asyncio.sleep(0.1)
            else:
                waiting.pop(0)
        async with httpx.AsyncClient(verify=False, timeout=5) as http:
            # The web asks the accounts service over the bus: 503 while it cannot.
            while (await http.get(running.https_url + "api/v1/setup")).status_code != 200:
                assert time.monotonic() < deadline, "the REST API does not answer"
                await asyncio.sleep(0.1)
        await bus.request(DriveInput(port_id=3, circuit=Circuit.CLOSED), timeout_s=10)
        # Kept in JetStream by io, read back from it: the restarted server serves both. The drive
        # is answered once the line changed; io stores the edge just after.
        while (await bus.current(PortChanged, port_id="3"))[0].circuit is not Circuit.CLOSED:
            assert time.monotonic() < deadline, "io's stored state never showed the drive"
            await asyncio.sleep(0.05)


@pytest.mark.timeout(180)
def test_a_killed_nats_server_is_restarted_and_every_service_answers_again(
    tmp_path: Path,
) -> None:
    with running_stack(tmp_path / "var") as running:
        nats = running.processes()["nats-server"]
        nats.kill()
        nats.wait(10)
        asyncio.run(_every_service_answers(running, time.monotonic() + 60))
        restarted = running.processes()["nats-server"]
        assert restarted.pid != nats.pid
        # Stopped while nats-server is down again: the services stop without draining.
        restarted.kill()
        restarted.wait(10)
        running.process.send_signal(signal.SIGINT)
        assert running.process.wait(timeout=60) == 0
        assert running.process.stdout is not None
        os.set_blocking(running.process.stdout.fileno(), True)
        output = running.process.stdout.read()
    assert f"nats-server is back at {running.nats_url}" in output
    assert "stopped without draining the bus: nats: connection reconnecting" in output
    assert "actkit stopped: every service and nats-server have exited" in output
    assert "Traceback" not in output, output


@pytest.mark.timeout(120)
def test_a_stack_forked_from_the_forker_runs_as_one_started_from_its_script(
    tmp_path: Path,
) -> None:
    forker = StackForker()
    try:
        with running_stack(tmp_path / "var", forker=forker) as running:
            assert set(running.processes()) == {*SERVICE_NAMES, "nats-server"}
            asyncio.run(_every_service_answers(running, time.monotonic() + 30))
            with pytest.raises(subprocess.TimeoutExpired):
                running.process.wait(timeout=0.1)
            assert running.process.poll() is None
            running.process.send_signal(signal.SIGINT)
            assert running.process.wait(timeout=30) == 0
            running.process.send_signal(signal.SIGINT)  # exited: nothing to signal
            assert running.process.poll() == 0
        with running_stack(tmp_path / "again", forker=forker) as again:
            again.process.kill()
            assert again.process.wait(timeout=30) == -signal.SIGKILL
    finally:
        forker.close()


def test_a_forked_run_that_fails_says_why_and_a_forker_gone_is_an_error() -> None:
    StackForker().close()  # never started: nothing to end
    forker = StackForker()
    try:
        refused = forker.start(["run", "--no-such-option"], dict(os.environ))
        assert refused.wait(timeout=60) == 2
        assert refused.stdout is not None
        with refused.stdout as output:
            assert "unrecognized arguments: --no-such-option" in output.read()
        unknown = forker.start(["run", "--service-user", "no-such-user-here"], dict(os.environ))
        assert unknown.wait(timeout=60) == 1
        assert unknown.stdout is not None
        with unknown.stdout as output:  # a SystemExit with a sentence says it, as Python does
            assert "there is no user 'no-such-user-here'" in output.read()
        assert forker._process is not None
        forker._process.kill()
        forker._process.wait()
        with pytest.raises(RuntimeError, match="the stack forker has exited"):
            forker.start(["status"], {})
    finally:
        forker.close()
