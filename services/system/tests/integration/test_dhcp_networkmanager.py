"""The DHCP time zone read from a stand-in NetworkManager on a private dbus-daemon."""

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import pytest
import pytest_asyncio
from dbus_fast import Variant
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusObjectPath, DBusSignature
from dbus_fast.service import PropertyAccess, ServiceInterface, dbus_property

from actkit_system.adapters.networkmanager import (
    ACTIVE,
    DHCP4,
    NM,
    NM_PATH,
    NetworkManagerDhcpTimeZone,
)

CONNECTION = "/org/freedesktop/NetworkManager/ActiveConnection/1"
LEASE = "/org/freedesktop/NetworkManager/DHCP4Config/1"
Options = Annotated[dict[str, Variant], DBusSignature("a{sv}")]


class Root(ServiceInterface):
    def __init__(self) -> None:
        super().__init__(NM)
        self.primary = CONNECTION

    @dbus_property(access=PropertyAccess.READ)
    def PrimaryConnection(self) -> DBusObjectPath:
        return self.primary


class Active(ServiceInterface):
    def __init__(self) -> None:
        super().__init__(ACTIVE)
        self.config = LEASE

    @dbus_property(access=PropertyAccess.READ)
    def Dhcp4Config(self) -> DBusObjectPath:
        return self.config


class Lease(ServiceInterface):
    def __init__(self) -> None:
        super().__init__(DHCP4)
        self.options = {
            "ip_address": Variant("s", "192.0.2.10"),
            "tcode": Variant("s", "Europe/Stockholm"),
        }

    @dbus_property(access=PropertyAccess.READ)
    def Options(self) -> Options:
        return self.options


class StandIn:
    """NetworkManager's root, one active connection and its DHCP lease."""

    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus
        self.root, self.active, self.lease = Root(), Active(), Lease()
        bus.export(NM_PATH, self.root)
        bus.export(CONNECTION, self.active)
        bus.export(LEASE, self.lease)


@pytest_asyncio.fixture
async def network_manager(dbus_daemon: str) -> AsyncIterator[StandIn]:
    bus = await MessageBus(bus_address=dbus_daemon).connect()
    stand_in = StandIn(bus)
    await bus.request_name(NM)
    yield stand_in
    bus.disconnect()


async def test_option_101_of_the_primary_connections_lease_is_read(
    dbus_daemon: str, network_manager: StandIn
) -> None:
    reader = NetworkManagerDhcpTimeZone(dbus_daemon)
    try:
        assert await reader.offered() == "Europe/Stockholm"
        network_manager.lease.options = {"ip_address": Variant("s", "192.0.2.10")}
        assert await reader.offered() is None  # a lease without option 101
        network_manager.active.config = "/"
        assert await reader.offered() is None  # static address: no lease
        network_manager.root.primary = "/"
        assert await reader.offered() is None  # no connection at all
    finally:
        await reader.close()


async def test_networkmanager_away_reads_as_nothing_and_is_said_once(
    dbus_daemon: str, network_manager: StandIn, caplog: pytest.LogCaptureFixture
) -> None:
    reader = NetworkManagerDhcpTimeZone(dbus_daemon, timeout_s=2)
    try:
        assert await reader.offered() == "Europe/Stockholm"
        network_manager.bus.disconnect()
        await network_manager.bus.wait_for_disconnect()
        with caplog.at_level(logging.WARNING):
            assert await reader.offered() is None
            assert await reader.offered() is None
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1
        assert "cannot read the DHCP lease from NetworkManager" in warnings[0]
        again = await MessageBus(bus_address=dbus_daemon).connect()  # NetworkManager is back
        StandIn(again)
        await again.request_name(NM)
        try:
            assert await reader.offered() == "Europe/Stockholm"
        finally:
            again.disconnect()
    finally:
        await reader.close()


async def test_no_bus_at_all_reads_as_nothing(tmp_path: Path) -> None:
    for address in (f"unix:path={tmp_path}/none.sock", "not-an-address"):
        reader = NetworkManagerDhcpTimeZone(address, timeout_s=2)
        assert await reader.offered() is None
        await reader.close()
