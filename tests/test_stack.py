"""The stack as `make run` starts it: nats-server plus every service, simulated hardware."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.stack import Stack, running_stack
from actkit_proto.io import Circuit, DriveInput, IgnitionChanged, PortChanged
from actkit_proto.service import GetServiceStatus
from actkit_proto.services import SERVICE_NAMES, SERVICES

pytestmark = pytest.mark.timeout(120)


async def _discover(bus: Bus, expected: int) -> list[dict[str, str]]:
    """The answers to one ``$SRV.PING``: ``expected`` of them, or those in 10 s, then 0.5 s more."""
    inbox = bus.client.new_inbox()
    subscription = await bus.client.subscribe(inbox)
    await bus.client.publish("$SRV.PING", b"", reply=inbox)
    answers: list[dict[str, str]] = []
    deadline = asyncio.get_running_loop().time() + 10
    try:
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            msg = await subscription.next_msg(timeout=left if len(answers) < expected else 0.5)
            answers.append(json.loads(msg.data))
    except TimeoutError:
        pass
    return answers


async def test_every_service_answers_ping_and_serves_moving_metrics(stack: Stack) -> None:
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        names = sorted(answer["name"] for answer in await _discover(bus, len(SERVICE_NAMES)))
        assert names == sorted(SERVICE_NAMES)
        for info in SERVICES:
            status = await bus.request(GetServiceStatus(service=info.name))
            assert status.metrics_port == stack.metrics_port(info.name)
    async with httpx.AsyncClient() as http:
        for info in SERVICES:
            url = f"http://127.0.0.1:{stack.metrics_port(info.name)}/metrics"
            text = (await http.get(url)).text
            line = (
                f'actkit_bus_messages_total{{outcome="ok",service="{info.name}",'
                f'subject="{info.name}.service.status"}} 1.0'
            )
            assert line in text, info.name
            others = [name for name in SERVICE_NAMES if name != info.name]
            assert not any(f"# TYPE actkit_{name}_" in text for name in others), info.name


@pytest.mark.skipif(not Path("/sys/kernel/mm/ksm").exists(), reason="a kernel without KSM")
def test_every_process_offers_its_pages_to_same_page_merging(stack: Stack) -> None:
    processes = {"actkit run": psutil.Process(stack.process.pid), **stack.processes()}
    for name, process in processes.items():
        stat = Path(f"/proc/{process.pid}/ksm_stat").read_text()
        assert "ksm_merge_any: yes" in stat.splitlines(), name


async def test_actkit_status_and_sim_drive_an_input_end_to_end(stack: Stack) -> None:
    actkit = [
        str(Path(sys.executable).parent / "actkit"),
        "--data-dir",
        str(stack.data_dir),
    ]
    status = subprocess.run(
        [*actkit, "status", "--nats-url", stack.nats_url],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert status.returncode == 0, status.stdout + status.stderr
    assert "8 of 8 services answering" in status.stdout
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        seen: asyncio.Queue[PortChanged] = asyncio.Queue()
        await bus.subscribe(PortChanged, seen.put, port_id="3")
        await bus.client.flush()
        drive = subprocess.run(
            [*actkit, "sim", "input", "3", "closed", "--nats-url", stack.nats_url],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert drive.returncode == 0, drive.stdout
        event = await asyncio.wait_for(seen.get(), 5)
        assert (event.port_id, event.is_active, event.circuit) == (3, True, Circuit.CLOSED)
        refused = subprocess.run(
            [*actkit, "sim", "input", "10", "closed", "--nats-url", stack.nats_url],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert refused.returncode == 1
        assert "there is no port 10" in refused.stdout
        await bus.request(DriveInput(port_id=3, circuit=Circuit.OPEN))
        ignition: asyncio.Queue[IgnitionChanged] = asyncio.Queue()
        await bus.subscribe(IgnitionChanged, ignition.put)
        await bus.client.flush()
        switched = subprocess.run(
            [*actkit, "sim", "ignition", "on", "--nats-url", stack.nats_url],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert switched.stdout.strip() == "the ignition is now on"
        assert (await asyncio.wait_for(ignition.get(), 5)).is_on


async def test_a_killed_service_is_restarted(stack: Stack) -> None:
    stack.processes()["io"].kill()
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        status = await eventually(
            lambda: bus.request(GetServiceStatus(service="io"), timeout_s=0.5),
            timeout_s=10,
            interval_s=0.1,
            ignoring=(Exception,),
        )
        assert status.handled == 0


def test_interrupt_stops_everything_and_leaves_no_process(stack: Stack) -> None:
    family = psutil.Process(stack.process.pid).children(recursive=True)
    assert len(family) >= 9  # nats-server and eight services
    stack.process.send_signal(signal.SIGINT)
    assert stack.process.wait(timeout=30) == 0
    # A process a service started (e.g. a short-lived tool) may be ending as the supervisor
    # exits: allow it a moment, but nothing may stay.
    _, alive = psutil.wait_procs(family, timeout=10)
    assert [f"{p.pid} {' '.join(p.cmdline())}" for p in alive if p.is_running()] == []


def test_services_stop_when_the_supervisor_is_killed(stack: Stack) -> None:
    services = [stack.processes()[name] for name in SERVICE_NAMES]
    stack.process.kill()
    stack.process.wait(timeout=10)
    _, alive = psutil.wait_procs(services, timeout=15)
    assert alive == []


def test_services_started_each_in_its_own_interpreter_answer(tmp_path: Path) -> None:
    with running_stack(tmp_path / "var", launch="exec") as stack:
        assert sorted(set(stack.processes()) - {"nats-server"}) == sorted(SERVICE_NAMES)
