"""The test helpers' own failure paths: a peer that does not start, stop, or answer in time."""

import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from actkit_core.testing import dbus
from actkit_core.testing.dbus import DbusMock
from actkit_core.testing.mosquitto import Mosquitto, MqttPeer
from actkit_core.testing.stack import wait_until_listening

STUBBORN = (
    "import signal, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "print('ready', flush=True)\n"
    "time.sleep(60)\n"
)


def test_a_peer_that_is_never_ready_times_out_and_one_ignoring_sigterm_is_killed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    process = subprocess.Popen([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE)
    assert process.stdout is not None
    assert process.stdout.readline() == b"ready\n"  # SIGTERM is ignored from here on
    monkeypatch.setattr(dbus, "START_TIMEOUT_S", 0)
    try:
        with pytest.raises(TimeoutError, match="stubborn was not ready within 0 s"):
            dbus._wait(lambda: False, "stubborn", process)
    finally:
        dbus._stop(process)
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL


def test_a_mock_without_a_log_file(dbus_daemon: str) -> None:
    mock = DbusMock(dbus_daemon, "timedated", "org.freedesktop.timedate1")
    mock.start()
    try:
        assert mock.is_serving()
    finally:
        mock.stop()
    assert not mock.is_serving()


def test_a_broker_that_exits_at_start_is_reported_with_its_log(tmp_path: Path) -> None:
    broker = Mosquitto(folder=tmp_path)
    (tmp_path / "mosquitto.conf").write_text(
        f"log_dest file {tmp_path / 'mosquitto.log'}\nnonsense 1\n"
    )
    with pytest.raises(RuntimeError, match=r"mosquitto exited with \d+:"):
        broker.start_on_free_ports()  # not a lost port: raised at once
    broker.stop()


def test_a_broker_that_does_not_listen_in_time_is_stopped(tmp_path: Path) -> None:
    broker = Mosquitto(folder=tmp_path)
    with pytest.raises(RuntimeError, match=r"mosquitto did not listen on \[\d+"):
        broker.start(timeout_s=0)
    assert broker.process is None


def test_stopping_a_broker_that_died_already(tmp_path: Path) -> None:
    broker = Mosquitto(folder=tmp_path)
    broker.start()
    assert broker.process is not None
    broker.process.kill()
    broker.process.wait()
    broker.stop()
    assert broker.process is None
    broker.stop()  # twice is harmless


def test_ports_picked_twice_are_picked_again(tmp_path: Path) -> None:
    broker = Mosquitto(folder=tmp_path, tcp_port=45000, tls_port=45000)
    broker.start_on_free_ports()
    try:
        assert len(set(broker.ports)) == len(broker.ports)
    finally:
        broker.stop()


def test_a_port_lost_on_every_attempt_is_reported(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        broker = Mosquitto(folder=tmp_path, tcp_port=squatter.getsockname()[1])
        with pytest.raises(RuntimeError, match="mosquitto lost a port to another process 1 times"):
            broker.start_on_free_ports(attempts=1)
    broker.stop()


async def test_a_peer_subscribes_publishes_and_waits_for_messages(mqtt_peer: MqttPeer) -> None:
    mqtt_peer.subscribe("car/#")
    mqtt_peer.publish("car/door", b"open")
    mqtt_peer.publish("car/siren", "on", retain=True)
    [door] = await mqtt_peer.wait_for("car/door")
    assert door.payload == b"open"
    assert [m.payload for m in await mqtt_peer.wait_for("car/siren")] == [b"on"]
    with pytest.raises(TimeoutError, match="1 of 2 messages on car/door"):
        await mqtt_peer.wait_for("car/door", count=2, timeout_s=0.05)


def test_a_peer_without_a_broker_gets_no_suback(mosquitto: Mosquitto) -> None:
    peer = MqttPeer(mosquitto)
    try:
        mosquitto.stop()
        with pytest.raises(TimeoutError, match="no SUBACK for car/#"):
            peer.subscribe("car/#")
    finally:
        peer.stop()


def test_a_broker_that_ignores_sigterm_is_killed(tmp_path: Path) -> None:
    broker = Mosquitto(folder=tmp_path)
    broker.process = subprocess.Popen([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE)
    stubborn = broker.process
    assert stubborn.stdout is not None
    assert stubborn.stdout.readline() == b"ready\n"
    broker.stop()
    stubborn.stdout.close()
    assert broker.process is None
    assert stubborn.returncode == -signal.SIGKILL


def test_waiting_for_a_server_follows_each_port_until_it_listens() -> None:
    ready, late = socket.socket(), socket.socket()
    with ready, late:
        ready.bind(("127.0.0.1", 0))
        ready.listen()
        late.bind(("127.0.0.1", 0))  # bound, not listening yet: refused
        ports = [ready.getsockname()[1], late.getsockname()[1]]
        looks: list[int] = []

        def is_running() -> bool:
            looks.append(1)
            if len(looks) == 3:  # the first port accepted, the second refused once
                late.listen()
            return True

        assert wait_until_listening("127.0.0.1", ports, is_running, timeout_s=10) == []
        assert len(looks) == 3
        assert wait_until_listening("127.0.0.1", ports, lambda: False, timeout_s=10) == ports
        assert wait_until_listening("127.0.0.1", ports, lambda: True, timeout_s=0) == ports
