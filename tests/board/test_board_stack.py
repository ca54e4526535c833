"""The board's containers on a real dockerd: the manual's examples, crashes, a NATS restart.

In the forked layout (the default) a service whose process dies is started again by the
supervisor in the container ``actkit``; in the split layout its container is started again by its
restart policy, as is ``actkit`` when the supervisor itself dies. ``docker kill`` is not such a
death on Engine 20.10: the engine counts it as a stop by hand and no policy restarts it. The tests
therefore kill the process by its PID from the host, as a crash or the kernel's OOM killer would.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.mosquitto import Mosquitto, MqttPeer
from actkit_proto.errors import Unavailable
from actkit_proto.events import CreateRule, GetRule
from actkit_proto.io import Circuit, ConfigurePort, Direction, DriveInput, GetPort
from actkit_proto.service import GetServiceStatus
from actkit_proto.services import SERVICE_NAMES

from ..test_events_examples import is_active, is_inactive, window_sensor, wire_window_and_lamp
from ..test_mqtt_camera_example import motion_holds_port_1
from .conftest import Board

pytestmark = pytest.mark.timeout(240)  # marked board by its folder
RESTARTED_TIMEOUT_S = 60.0


async def every_service_answers(bus: Bus, timeout_s: float = 30) -> None:
    for service in SERVICE_NAMES:
        await eventually(
            lambda service=service: bus.request(GetServiceStatus(service=service)),  # type: ignore[misc]
            timeout_s=timeout_s,
            ignoring=(Unavailable, TimeoutError),
        )


def wait_healthy(board: Board, container: str, restarts: int) -> None:
    """``container`` restarted ``restarts`` times in all, running and healthy again."""
    template = "{{.RestartCount}} {{.State.Status}} {{.State.Health.Status}}"
    deadline = time.monotonic() + RESTARTED_TIMEOUT_S
    while (seen := board.inspect(container, template)) != f"{restarts} running healthy":
        assert time.monotonic() < deadline, f"{container} not back and healthy: {seen}"
        time.sleep(0.2)


async def test_every_service_answers_and_the_dashboard_is_reachable(
    board: Board, board_bus: Bus
) -> None:
    await every_service_answers(board_bus)
    names = board.docker("ps", "--format", "{{.Names}}").split()
    assert sorted(names) == sorted(board.container_names)
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"http://127.0.0.1:{board.http_port}/")
    assert answer.status_code in (200, 303), answer.text


async def test_window_sensor_lamp(board_bus: Bus) -> None:
    await wire_window_and_lamp(board_bus)
    await board_bus.request(CreateRule(rule=window_sensor()))
    await board_bus.request(DriveInput(port_id=1, circuit=Circuit.OPEN))  # the window opens
    assert await eventually(lambda: is_active(board_bus, 2), timeout_s=15)
    await board_bus.request(DriveInput(port_id=1, circuit=Circuit.CLOSED))
    assert await eventually(lambda: is_inactive(board_bus, 2), timeout_s=15)


@pytest.fixture
def gateway_mosquitto(board: Board, tmp_path: Path) -> Iterator[Mosquitto]:
    """mosquitto on the host's address in the stack's network: the mqtt container reaches it."""
    gateway = board.docker(
        "network", "inspect", "actkit_default", "--format", "{{(index .IPAM.Config 0).Gateway}}"
    )
    broker = Mosquitto(folder=tmp_path / "mosquitto", host=gateway)
    broker.start_on_free_ports()
    try:
        yield broker
    finally:
        broker.stop()


async def test_camera_motion_holds_port_1_active_while_motion_is_on(
    board_bus: Bus, gateway_mosquitto: Mosquitto
) -> None:
    peer = MqttPeer(gateway_mosquitto)
    try:
        await motion_holds_port_1(board_bus, gateway_mosquitto, peer)
    finally:
        peer.stop()


def service_processes(board: Board) -> dict[str, tuple[int, int]]:
    """The forked services in ``actkit``: (host PID, uid) by service (their process titles)."""
    table = board.docker("top", "actkit", "-eo", "pid,uid,args").splitlines()[1:]
    found = {}
    for line in table:
        pid, uid, command = line.split(None, 2)
        if command.startswith("actkit-") and " " not in command:
            found[command.removeprefix("actkit-")] = (int(pid), int(uid))
    return found


async def state_kept_over(board_bus: Bus, what: str) -> Callable[[], Awaitable[None]]:
    """A port and a rule made now; what it returns checks both are still there."""
    await every_service_answers(board_bus)
    port = await board_bus.request(
        ConfigurePort(port_id=5, name=f"Kept over {what}", direction=Direction.OUTPUT)
    )
    kept = window_sensor().model_copy(update={"name": f"Kept over {what}"})
    rule = await board_bus.request(CreateRule(rule=kept))

    async def still_there() -> None:
        await every_service_answers(board_bus)
        assert (await board_bus.request(GetPort(port_id=5))).name == port.name
        assert (await board_bus.request(GetRule(rule_id=rule.rule_id))).rule == rule.rule

    return still_there


def kill_and_wait_restarted(board: Board, container: str) -> None:
    """SIGKILL the container's first process; it comes back, the same container."""
    identity, restarts, pid = board.inspect(
        container, "{{.Id}} {{.RestartCount}} {{.State.Pid}}"
    ).split()
    os.kill(int(pid), signal.SIGKILL)
    wait_healthy(board, container, int(restarts) + 1)
    assert board.inspect(container, "{{.Id}}") == identity  # the same container, not a new one


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_a_service_whose_process_dies_is_restarted_with_its_state(
    board: Board, board_bus: Bus, service: str
) -> None:
    still_there = await state_kept_over(board_bus, service)
    if board.is_split:
        kill_and_wait_restarted(board, f"actkit-{service}")
    else:
        restarts = board.inspect("actkit", "{{.RestartCount}}")
        pid, _uid = service_processes(board)[service]
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + RESTARTED_TIMEOUT_S
        while service_processes(board).get(service, (pid, 0))[0] == pid:
            assert time.monotonic() < deadline, f"the supervisor did not start {service} again"
            time.sleep(0.2)
        assert board.inspect("actkit", "{{.RestartCount}}") == restarts  # the container stayed
    await still_there()


async def test_a_dying_supervisor_has_its_container_restarted_with_every_service(
    board: Board, board_bus: Bus
) -> None:
    if board.is_split:
        pytest.skip("the split layout has no supervisor: each service is its container's process")
    still_there = await state_kept_over(board_bus, "the supervisor")
    kill_and_wait_restarted(board, "actkit")
    await still_there()


def test_every_service_but_system_runs_as_the_unprivileged_user(board: Board) -> None:
    if board.is_split:
        users = {
            name: board.inspect(f"actkit-{name}", "{{.Config.User}}") for name in SERVICE_NAMES
        }
        assert users == {name: "0" if name == "system" else "actkit" for name in SERVICE_NAMES}
        return
    uids = {name: uid for name, (_pid, uid) in service_processes(board).items()}
    assert uids == {name: 0 if name == "system" else 10001 for name in SERVICE_NAMES}


async def test_a_restarted_nats_server_has_every_service_back(board: Board, board_bus: Bus) -> None:
    kept = window_sensor().model_copy(update={"name": "Kept over nats"})
    rule = await board_bus.request(CreateRule(rule=kept))
    restarts = int(board.inspect("actkit-nats", "{{.RestartCount}}"))
    board.docker("restart", "actkit-nats")
    wait_healthy(board, "actkit-nats", restarts)
    await every_service_answers(board_bus, timeout_s=45)
    assert (await board_bus.request(GetRule(rule_id=rule.rule_id))).rule == rule.rule
