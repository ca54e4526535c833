"""A real NetworkManager in a network namespace, on a private D-Bus, for the adapter tests.

The namespace has a veth named ``eth0`` (Debian leaves other veth names unmanaged) whose peer
``up0`` (192.0.2.1/24) sits in a second namespace. NetworkManager needs udev to call a device
initialised, so a systemd-udevd runs beside it; both run in their own mount and UTS namespaces
with tmpfs state and an overlay on /etc, so nothing of the host is touched (not even its
hostname). Every process is stopped by its PID and both namespaces are deleted afterwards.

Also ``join_group``: the discovery tests' listener on a multicast group.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from actkit_core.testing.eventually import eventually
from actkit_core.testing.stack import free_udp_port
from actkit_network.adapters.networkmanager import NetworkManager
from actkit_network.settings import NetworkSettings

_DBUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_type="*"/>
  </policy>
</busconfig>
"""

_NM_CONF = """[main]
plugins=keyfile
dns=none
auth-polkit=false
no-auto-default=*
[keyfile]
path={connections}
"""

# Runs inside the namespace: private mounts, udev for the veth, then NetworkManager itself.
_INNER = """set -e
mkdir -p /run/udev /run/NetworkManager /var/lib/NetworkManager
mount -t tmpfs tmpfs /run/udev
mount -t tmpfs tmpfs /run/NetworkManager
mount -t tmpfs tmpfs /var/lib/NetworkManager
mount -t overlay overlay -o lowerdir=/etc,upperdir="$1/upper",workdir="$1/work" /etc
/lib/systemd/systemd-udevd &
echo $! > "$1/udevd.pid"
for attempt in $(seq 100); do udevadm control --ping 2>/dev/null && break; sleep 0.1; done
udevadm trigger --subsystem-match=net --action=add
udevadm settle -t 10 || true
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$1/bus.sock"
exec /usr/sbin/NetworkManager --no-daemon --debug --config="$1/nm.conf"
"""


@dataclass(frozen=True)
class NetworkManagerPeer:
    bus_address: str
    namespace: str
    """The namespace whose eth0 NetworkManager manages."""

    def service_settings(self, nats_url: str, folder: Path, **changes: Any) -> NetworkSettings:
        """The network service on this NetworkManager, its other peers kept out of the way.

        NetworkManager's addresses are in its namespace, so discovery answers on loopback; the
        UDP ports are free ones and lldpd is absent.
        """
        return NetworkSettings(
            nats_url=nats_url,
            data_dir=folder,
            metrics_port=0,
            adapter="networkmanager",
            dbus_address=self.bus_address,
            nft_command=["ip", "netns", "exec", self.namespace, "nft"],
            snmp_port=0,
            bonjour_interfaces=["127.0.0.1"],
            discovery_address="127.0.0.1",
            ssdp_port=free_udp_port(),
            upnp_http_port=0,
            ws_discovery_port=free_udp_port(),
            lldpd_config=str(folder / "lldpd.conf"),
            lldpcli_command=["lldpcli", "-u", str(folder / "no-lldpd.socket")],
            **changes,
        )


def _can_run() -> str | None:
    if os.geteuid() != 0:
        return "needs root for network namespaces"
    for program in ("/usr/sbin/NetworkManager", "/lib/systemd/systemd-udevd"):
        if not Path(program).exists():
            return f"{program} is not installed (apt-get install network-manager)"
    if shutil.which("dbus-daemon") is None or shutil.which("ip") is None:
        return "dbus-daemon and ip are needed"
    return None


def _ip(*arguments: str) -> None:
    subprocess.run(["ip", *arguments], check=True, capture_output=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest_asyncio.fixture
async def networkmanager_peer(tmp_path: Path) -> AsyncIterator[NetworkManagerPeer]:
    why_not = _can_run()
    if why_not is not None:
        pytest.skip(why_not)
    work = tmp_path / "nm"
    for folder in ("connections", "upper", "work"):
        (work / folder).mkdir(parents=True)
    (work / "connections").chmod(0o700)
    socket = work / "bus.sock"
    (work / "dbus.conf").write_text(_DBUS_CONF.format(socket=socket))
    (work / "nm.conf").write_text(_NM_CONF.format(connections=work / "connections"))
    (work / "inner.sh").write_text(_INNER)
    suffix = uuid.uuid4().hex[:8]
    namespace, peer = f"actkit-nm-{suffix}", f"actkit-up-{suffix}"
    with contextlib.ExitStack() as cleanup:
        _ip("netns", "add", namespace)
        cleanup.callback(_ip, "netns", "del", namespace)
        _ip("netns", "add", peer)
        cleanup.callback(_ip, "netns", "del", peer)
        _ip("link", "add", "eth0", "netns", namespace, "type", "veth", "peer", "up0", "netns", peer)
        _ip("-n", peer, "addr", "add", "192.0.2.1/24", "dev", "up0")
        _ip("-n", peer, "link", "set", "up0", "up")
        dbus = subprocess.Popen(
            ["dbus-daemon", "--nofork", f"--config-file={work / 'dbus.conf'}"],
            stderr=subprocess.DEVNULL,
        )
        cleanup.callback(_stop, dbus)
        await eventually(socket.exists, timeout_s=10, interval_s=0.05)  # the private D-Bus
        log = (work / "nm.log").open("wb")
        cleanup.callback(log.close)
        nm = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                namespace,
                "unshare",
                "-m",
                "-u",
                "--propagation",
                "private",
                "sh",
                str(work / "inner.sh"),
                str(work),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        cleanup.callback(_stop_udevd, work / "udevd.pid")
        cleanup.callback(_stop, nm)
        yield NetworkManagerPeer(f"unix:path={socket}", namespace)


def _stop_udevd(pid_file: Path) -> None:
    with contextlib.suppress(FileNotFoundError, ProcessLookupError, ValueError):
        os.kill(int(pid_file.read_text()), signal.SIGTERM)


@pytest_asyncio.fixture
async def networkmanager(networkmanager_peer: NetworkManagerPeer) -> AsyncIterator[NetworkManager]:
    """The adapter, connected once NetworkManager manages eth0."""
    async with NetworkManager.connect("eth0", networkmanager_peer.bus_address) as manager:
        await manager.wait_until_managed(timeout_s=30)
        yield manager


@pytest.fixture
def join_group() -> Iterator[Callable[[str, int], socket.socket]]:
    """``join_group(group, port)``: a socket on ``port`` that receives what loopback multicasts to
    ``group`` (where discovery's announcements go), non-blocking; closed after the test."""
    joined: list[socket.socket] = []

    def join(group: str, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        joined.append(sock)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(("", port))
        membership = socket.inet_aton(group) + socket.inet_aton("127.0.0.1")
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
        sock.setblocking(False)
        return sock

    yield join
    for sock in joined:
        sock.close()
