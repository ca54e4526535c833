"""The board itself: its MAC address, clock (chrony), time zone and power (the host's commands)."""

from __future__ import annotations

import asyncio
import logging
import shlex
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from actkit_core.clock import SystemClock
from actkit_core.local_time import adopt_zone
from actkit_proto import Unavailable
from actkit_proto.system import TimeSettings
from actkit_system.adapters.host_zone import HostZone
from actkit_system.domain.time import chrony_config
from actkit_system.ports import SyncStatus

log = logging.getLogger(__name__)

COMMAND_TIMEOUT_S = 10.0
ARPHRD_ETHER = "1"
NO_MAC = "00:00:00:00:00:00"


class NoWiredInterface(Exception):
    """The board shows no wired network interface to take the MAC address from."""


def first_wired_mac(net_dir: Path) -> str:
    """The MAC address of the board's first wired interface (the lowest interface index).

    Wired means Ethernet (``type`` 1) on a device of its own (a ``device`` link, which bridges,
    veth pairs and other virtual interfaces lack) that is not a WLAN radio: the port on the label.

    Raises:
        NoWiredInterface: there is none under ``net_dir``.
    """
    found: list[tuple[int, str]] = []
    try:
        entries = list(net_dir.iterdir())
    except OSError as exc:
        raise NoWiredInterface(f"cannot list the network interfaces in {net_dir}: {exc}") from exc
    for entry in entries:
        if not (entry / "device").exists() or any(
            (entry / radio).exists() for radio in ("wireless", "phy80211")
        ):
            continue
        try:
            if (entry / "type").read_text().strip() != ARPHRD_ETHER:
                continue
            mac = (entry / "address").read_text().strip()
            index = int((entry / "ifindex").read_text())
        except (OSError, ValueError):
            continue
        if mac and mac != NO_MAC:
            found.append((index, mac))
    if not found:
        raise NoWiredInterface(
            f"no wired network interface in {net_dir} to take the MAC address from "
            "(on a machine that is not the board, run with ACTKIT_SYSTEM_ADAPTER=sim)"
        )
    return min(found)[1]


def parse_tracking(csv_line: str) -> SyncStatus:
    """``chronyc -c tracking`` output as a status.

    Fields: reference id, reference name, stratum, reference time, system time offset, last
    offset, RMS offset, frequency, residual frequency, skew, root delay, root dispersion,
    update interval, leap status.

    >>> parse_tracking("C0A80001,192.168.0.1,3,1700000000.1,-0.000012,0.000002,0.00001,"
    ...                "-1.2,0.0,0.1,0.01,0.001,64.5,Normal").server
    '192.168.0.1'
    """
    fields = csv_line.strip().split(",")
    if len(fields) < 14:
        raise ValueError(f"unexpected chronyc tracking output: {csv_line!r}")
    reference_id, name, stratum = fields[0], fields[1], int(fields[2])
    is_synchronized = fields[13] != "Not synchronised" and stratum > 0 and reference_id != "0"
    if not is_synchronized:
        return SyncStatus(is_synchronized=False)
    return SyncStatus(
        is_synchronized=True,
        server=name,
        offset_s=float(fields[4]),
        next_sync_s=float(fields[12]),
    )


async def _run(*argv: str) -> str:
    if shutil.which(argv[0]) is None:
        raise Unavailable(f"{argv[0]} is not installed on this device")
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), COMMAND_TIMEOUT_S)
    if process.returncode != 0:
        raise Unavailable(f"{' '.join(argv)} failed: {err.decode().strip() or process.returncode}")
    return out.decode()


class ChronyTimeKeeper(SystemClock):
    """The host's clock: chrony's drop-in configuration, ``chronyc``, the host's time zone."""

    def __init__(self, config_path: Path, dhcp_sources_dir: str, host_zone: HostZone) -> None:
        self.config_path = config_path
        self.dhcp_sources_dir = dhcp_sources_dir
        self.host_zone = host_zone

    async def apply(self, settings: TimeSettings, time_zone: str) -> None:
        text = chrony_config(settings, self.dhcp_sources_dir)
        self.config_path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside and renamed, so chrony never reads half a file.
        with tempfile.NamedTemporaryFile(
            "w", dir=self.config_path.parent, delete=False, suffix=".tmp"
        ) as handle:
            handle.write(text)
        Path(handle.name).replace(self.config_path)
        adopt_zone(time_zone)
        try:
            await self.host_zone.apply(time_zone)
        except Unavailable as exc:
            # The services follow the zone over the bus all the same; only the host lags.
            log.error("the host keeps its time zone: %s", exc.message)
        if shutil.which("chronyc"):
            await _run("chronyc", "reload", "sources")

    async def status(self) -> SyncStatus:
        try:
            return parse_tracking(await _run("chronyc", "-c", "tracking"))
        except (Unavailable, ValueError, TimeoutError) as exc:
            log.warning("no synchronisation status: %s", exc)
            return SyncStatus(is_synchronized=False)

    async def set_clock(self, at: datetime) -> None:
        await _run("date", "-u", "-s", f"@{at.timestamp():.3f}")


class HostPower:
    """Runs the host's shutdown and restart commands."""

    def __init__(self, shutdown_command: str, restart_command: str) -> None:
        self.shutdown_command = shlex.split(shutdown_command)
        self.restart_command = shlex.split(restart_command)

    async def shutdown(self, reason: str) -> None:
        log.warning("shutdown: %s", reason)
        await _run(*self.shutdown_command)

    async def restart(self, reason: str) -> None:
        log.warning("restart: %s", reason)
        await _run(*self.restart_command)
