"""lldpd for real: ours in one network namespace, a neighbour's in another, joined by a veth."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from actkit_core.testing.eventually import eventually
from actkit_network.adapters.lldpd import LldpdConfigurator
from actkit_network.domain.discovery import LldpConfig

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("lldpd") is None or shutil.which("ip") is None,
    reason="needs root (network namespaces) and lldpd (apt-get install lldpd)",
)


@dataclass(frozen=True)
class Lldp:
    ours: str
    """Control socket of the device's lldpd (interface ``dev0``)."""
    neighbour: str
    """Control socket of the switch-side lldpd (interface ``sw0``)."""


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True)


def _answers(control: Path) -> None:
    """Wait until the lldpd behind ``control`` answers lldpcli."""
    for _ in range(100):
        shown = subprocess.run(
            ["lldpcli", "-u", str(control), "show", "configuration"], capture_output=True
        )
        if shown.returncode == 0:
            return
        time.sleep(0.1)
    raise TimeoutError(f"lldpd does not answer on {control}: {shown.stderr.decode()}")


@pytest.fixture
def lldp(tmp_path: Path) -> Iterator[Lldp]:
    with tempfile.TemporaryDirectory(prefix="actkit-lldp-") as run_dir:
        # lldpcli reaches the socket with lldpd's group, so the directory must be open to it.
        Path(run_dir).chmod(0o755)
        yield from _namespaces_with_lldpd(Path(run_dir), tmp_path)


def _namespaces_with_lldpd(run_dir: Path, tmp_path: Path) -> Iterator[Lldp]:
    tag = uuid.uuid4().hex[:6]
    device, switch = f"lldp-dev-{tag}", f"lldp-sw-{tag}"
    processes: list[subprocess.Popen[bytes]] = []
    logs = contextlib.ExitStack()
    try:
        _run("ip", "netns", "add", device)
        _run("ip", "netns", "add", switch)
        _run("ip", "-n", device, "link", "add", "dev0", "type", "veth", "peer", "sw0",
             "netns", switch)  # fmt: skip
        _run("ip", "-n", device, "link", "set", "dev0", "up")
        _run("ip", "-n", switch, "link", "set", "sw0", "up")
        sockets = []
        no_configuration = run_dir / "empty.conf"  # not the host's /etc/lldpd.d
        no_configuration.write_text("")
        for namespace in (device, switch):
            control = run_dir / f"{namespace}.socket"
            lldpd = ["lldpd", "-d", "-c", "-u", str(control), "-O", str(no_configuration)]
            log_file = logs.enter_context((tmp_path / f"{namespace}.log").open("wb"))
            processes.append(
                subprocess.Popen(
                    ["ip", "netns", "exec", namespace, *lldpd],
                    stdout=subprocess.DEVNULL,
                    stderr=log_file,
                )
            )
            _answers(control)
            sockets.append(str(control))
        # Fast announcements so that the neighbour sees changes within seconds (TTL 4 s).
        for socket_path in sockets:
            _run("lldpcli", "-u", socket_path, "configure", "lldp", "tx-interval", "1")
        yield Lldp(*sockets)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(5)
            if process.poll() is None:
                process.kill()
                process.wait()
        for namespace in (device, switch):
            subprocess.run(["ip", "netns", "del", namespace], check=False, capture_output=True)
        logs.close()


def _show(control: str, *what: str) -> dict[str, Any]:
    output = subprocess.run(
        ["lldpcli", "-u", control, "-f", "json", "show", *what],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    shown: dict[str, Any] = json.loads(output)
    return shown


async def _neighbour_sees(control: str, system_name: str | None) -> dict[str, Any]:
    """The chassis the neighbour sees on sw0 once it is ``system_name`` (None: nothing)."""

    def seen() -> tuple[dict[str, Any]] | None:
        interfaces = _show(control, "neighbors")["lldp"]
        chassis = interfaces.get("interface", {}).get("sw0", {}).get("chassis", {}) or {}
        is_wanted = list(chassis) == ([] if system_name is None else [system_name])
        return (chassis,) if is_wanted else None  # in a tuple: an empty chassis is an answer

    [chassis] = await eventually(seen, timeout_s=15, interval_s=0.1)
    return chassis


async def test_the_configuration_is_applied_and_the_neighbour_sees_it(
    lldp: Lldp, tmp_path: Path
) -> None:
    config_file = tmp_path / "lldpd.d" / "actkit.conf"
    lldpd = LldpdConfigurator(config_file, ["lldpcli", "-u", lldp.ours])
    await lldpd.apply(LldpConfig(True, "car-12", "Axis Communications AB AXIS W401", "dev0"))

    shown = _show(lldp.ours, "configuration")["configuration"]["config"]
    assert (shown["hostname"], shown["description"], shown["iface-pattern"]) == (
        "car-12",
        "Axis Communications AB AXIS W401",
        "dev0",
    )
    assert 'configure system hostname "car-12"' in config_file.read_text()
    chassis = await _neighbour_sees(lldp.neighbour, "car-12")
    assert chassis["car-12"]["descr"] == "Axis Communications AB AXIS W401"


async def test_off_disables_the_port_and_the_neighbour_forgets_the_device(
    lldp: Lldp, tmp_path: Path
) -> None:
    lldpd = LldpdConfigurator(tmp_path / "actkit.conf", ["lldpcli", "-u", lldp.ours])
    await lldpd.apply(LldpConfig(True, "car-12", "AXIS W401", "dev0"))
    await _neighbour_sees(lldp.neighbour, "car-12")

    await lldpd.apply(LldpConfig(False, "car-12", "AXIS W401", "dev0"))

    assert _show(lldp.ours, "interfaces")["lldp"]["interface"]["dev0"]["status"] == "disabled"
    await _neighbour_sees(lldp.neighbour, None)


async def test_without_a_running_lldpd_the_file_is_written_for_its_start(tmp_path: Path) -> None:
    config_file = tmp_path / "actkit.conf"
    lldpd = LldpdConfigurator(config_file, ["lldpcli", "-u", str(tmp_path / "none.socket")])
    await lldpd.apply(LldpConfig(False, "car-12", "AXIS W401", "eth0"))
    assert "configure lldp status disabled" in config_file.read_text()
