"""The radios suite: real BlueZ and NetworkManager on the kernel's virtual radios, in the VM of
``make test-radios``.

``tools/radios-vm.sh`` boots the VM and runs this suite here, with the VM's bus, control port and
log folder in ``ACTKIT_RADIOS_*``; without them its tests are skipped with that sentence. The
part of the stack a radio test needs runs in the test's own process on a real nats-server: io
(sim ports), events (the rules) and ble on the VM's BlueZ, so an input edge travels the same
path as on the board; the network service on the VM's NetworkManager, with the accounts
service's certificate store where a WLAN test needs one (its files in a folder the VM sees).

Each test's kit log (its services' loggers) is ``kit-<test>.log`` beside the VM's logs; a test
that fails leaves under ``test-artifacts/radios/<test>/`` its kit log and what the VM's daemons
logged while it ran (bluetoothd, NetworkManager, ...).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from actkit_accounts.main import serve as serve_accounts
from actkit_accounts.settings import AccountsSettings
from actkit_ble.main import serve as serve_ble
from actkit_ble.settings import BleSettings
from actkit_core.bus import Bus
from actkit_core.testing.plugin import running
from actkit_core.testing.stack import free_udp_port
from actkit_events.main import serve as serve_events
from actkit_events.settings import EventsSettings
from actkit_io.main import serve as serve_io
from actkit_io.settings import IoSettings
from actkit_network.main import serve as serve_network
from actkit_network.settings import NetworkSettings

from .bluez import Camera, RadiosVm
from .wlan import WIRED, NetworkManagerVm

NETWORKMANAGER_START_TIMEOUT_S = 180.0
"""NetworkManager starts at the first WLAN test; under emulation on a busy machine that takes a
while."""
VM_VARIABLES = ("ACTKIT_RADIOS_BUS", "ACTKIT_RADIOS_CONTROL", "ACTKIT_RADIOS_LOGS")
HERE = Path(__file__).parent
ARTIFACTS = HERE.parents[1] / "test-artifacts" / "radios"
KIT_LOGGERS = (
    "actkit_ble",
    "actkit_network",
    "actkit_accounts",
    "actkit_events",
    "actkit_io",
    "radios",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    is_in_vm = all(os.environ.get(name) for name in VM_VARIABLES)
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.radios)
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(120))
            if not is_in_vm:
                item.add_marker(pytest.mark.skip(reason="needs the radios VM: make test-radios"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        item.stash[_FAILED] = True
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture(autouse=True)
def _logs_kept_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    """The kit's log and the VM's daemons' lines of this test, kept if it fails."""
    if not all(os.environ.get(name) for name in VM_VARIABLES):
        yield
        return
    logs = Path(os.environ["ACTKIT_RADIOS_LOGS"])
    offsets = {log: log.stat().st_size for log in logs.glob("*.log")}
    kit_log = logs / f"kit-{request.node.name}.log"
    handler = logging.FileHandler(kit_log)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in KIT_LOGGERS:
        logging.getLogger(name).addHandler(handler)
    try:
        yield
    finally:
        for name in KIT_LOGGERS:
            logging.getLogger(name).removeHandler(handler)
        handler.close()
        if request.node.stash.get(_FAILED, False):
            kept = ARTIFACTS / request.node.name
            shutil.rmtree(kept, ignore_errors=True)
            kept.mkdir(parents=True)
            shutil.copyfile(kit_log, kept / "kit.log")
            for log in sorted(logs.glob("*.log")):
                if log.name.startswith("kit-"):
                    continue
                with log.open("rb") as daemon:
                    daemon.seek(offsets.get(log, 0))
                    (kept / log.name).write_bytes(daemon.read())


def _vm() -> RadiosVm:
    bus, control, logs = (os.environ[name] for name in VM_VARIABLES)
    return RadiosVm(bus, control, Path(logs))


@pytest_asyncio.fixture
async def bluetoothd() -> AsyncIterator[RadiosVm]:
    """The VM with a fresh bluetoothd for this test, both controllers powered."""
    vm = _vm()
    await vm.stop_bluetoothd()
    await vm.start_bluetoothd()
    yield vm


@pytest_asyncio.fixture
async def camera(bluetoothd: RadiosVm) -> AsyncIterator[Camera]:
    """A camera on the second controller; it hears once asked to scan."""
    async with Camera.open(bluetoothd.bus_address, bluetoothd.camera) as peer:
        yield peer


@pytest_asyncio.fixture
async def kit(nats_server: str, bluetoothd: RadiosVm, tmp_path: Path) -> AsyncIterator[Bus]:
    """io, events and ble (BlueZ, the first controller) serving; a client on their bus."""
    folder = tmp_path / "kit"
    folder.mkdir()
    io = IoSettings(nats_url=nats_server, data_dir=folder, metrics_port=0)
    events = EventsSettings(nats_url=nats_server, data_dir=folder, metrics_port=0)
    ble = BleSettings(
        nats_url=nats_server,
        data_dir=folder,
        metrics_port=0,
        adapter="bluez",
        dbus_address=bluetoothd.bus_address,
        controller=bluetoothd.kit,
    )
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(running(serve_io, io))
        await stack.enter_async_context(running(serve_events, events))
        await stack.enter_async_context(running(serve_ble, ble))
        yield await stack.enter_async_context(Bus.connect("test", servers=[nats_server]))


@pytest_asyncio.fixture
async def networkmanager() -> AsyncIterator[NetworkManagerVm]:
    """The VM's NetworkManager without a profile, the cable plugged in; the same after."""
    manager = NetworkManagerVm(_vm())
    await manager.start()
    await manager.reset(timeout_s=NETWORKMANAGER_START_TIMEOUT_S)
    yield manager
    await manager.reset()


@pytest.fixture
def certificate_dir(request: pytest.FixtureRequest) -> Iterator[Path]:
    """The certificate folder accounts writes and NetworkManager reads: in the VM's share."""
    folder = Path(os.environ["ACTKIT_RADIOS_LOGS"]) / f"certificates-{request.node.name}"
    folder.mkdir()
    yield folder
    shutil.rmtree(folder)


@pytest_asyncio.fixture
async def certificate_store(
    nats_server: str, certificate_dir: Path, tmp_path: Path
) -> AsyncIterator[None]:
    """The accounts service, owner of the certificate store, writing into ``certificate_dir``."""
    folder = tmp_path / "accounts"
    folder.mkdir()
    settings = AccountsSettings(
        nats_url=nats_server, data_dir=folder, metrics_port=0, certificate_dir=certificate_dir
    )
    async with running(serve_accounts, settings):
        yield


@pytest_asyncio.fixture
async def network(
    nats_server: str, networkmanager: NetworkManagerVm, certificate_dir: Path, tmp_path: Path
) -> AsyncIterator[Bus]:
    """The network service on the VM's NetworkManager (its wired eth5); a client on its bus.

    Its other peers are kept out of the way: the firewall is only checked (``nft -c``),
    discovery answers on loopback on free ports, lldpd is absent.
    """
    folder = tmp_path / "network"
    folder.mkdir()
    settings = NetworkSettings(
        nats_url=nats_server,
        data_dir=folder,
        certificate_dir=certificate_dir,
        metrics_port=0,
        adapter="networkmanager",
        dbus_address=networkmanager.bus_address,
        wired_interface=WIRED,
        nft_command=["nft", "-c"],
        snmp_port=0,
        bonjour_interfaces=["127.0.0.1"],
        discovery_address="127.0.0.1",
        ssdp_port=free_udp_port(),
        upnp_http_port=0,
        ws_discovery_port=free_udp_port(),
        lldpd_config=str(folder / "lldpd.conf"),
        lldpcli_command=["lldpcli", "-u", str(folder / "no-lldpd.socket")],
    )
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(running(serve_network, settings))
        yield await stack.enter_async_context(Bus.connect("test", servers=[nats_server]))
