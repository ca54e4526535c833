"""Real BlueZ in the radios VM (btvirt's LE controllers, bluetoothd), and a camera on one of them.

The camera is a BlueZ client of its own, written from BlueZ's D-Bus documentation rather than
with the ble service's adapter, so that the service is checked against an independent peer: it
scans (LE discovery, duplicate data on) and reports every manufacturer data it hears, and it
broadcasts a beacon of its own.
"""

# No ``from __future__ import annotations``: dbus-fast reads the exported properties' D-Bus types
# from their annotations.
import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from dbus_fast import Message, MessageType, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusSignature, DBusStr
from dbus_fast.constants import PropertyAccess
from dbus_fast.service import ServiceInterface, dbus_property, method

from actkit_core.testing import dbus

ADAPTER = "org.bluez.Adapter1"
START_TIMEOUT_S = 60.0
RESCAN_S = 1.0
"""How often a camera that listens for an advertisement already on the air starts its scan again.

btvirt's controllers (BlueZ 5.66) send an advertising report only when advertising or scanning is
enabled, not at each advertising interval as a radio does, and a report that comes with the
scan's start can be lost: an advertisement registered before the camera scanned was heard only
at a later restart of the kernel's 10.24 s discovery, 21 to 52 s on, and once not within 60 s.
Starting the scan again each second stands in for the intervals of a real radio.
"""
log = logging.getLogger("radios.bluez")


class RadiosVm:
    """The VM of ``tools/radios-vm.sh``: its bus, and bluetoothd stopped and started on request.

    Reached through the addresses that script exports: ``ACTKIT_RADIOS_BUS`` (a ``tcp:`` D-Bus
    address forwarded to the VM's bus), ``ACTKIT_RADIOS_CONTROL`` (host:port of its commands) and
    ``ACTKIT_RADIOS_LOGS`` (the folder its daemons log into).
    """

    def __init__(self, bus_address: str, control: str, logs: Path) -> None:
        self.bus_address = bus_address
        self._host, port = control.rsplit(":", 1)
        self._port = int(port)
        self.log = logs / "bluetoothd.log"
        self._why = "powered off"
        self.kit = "hci0"
        self.camera = "hci1"

    async def stop_bluetoothd(self) -> None:
        """SIGTERM to bluetoothd; returns once it has exited."""
        await self.command("bluetoothd stop")

    async def start_bluetoothd(self) -> None:
        """Start bluetoothd; returns once two controllers are on the bus and powered.

        The first is the kit's (:attr:`kit`), the second the camera's (:attr:`camera`): btvirt
        makes three, as the kernel leaves one of them unconfigured now and then.
        """
        started_s = time.monotonic()
        await self.command("bluetoothd start")
        deadline = started_s + START_TIMEOUT_S
        while not await self._ready():
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"two powered controllers not there within {START_TIMEOUT_S:g} s ({self._why})"
                )
            await asyncio.sleep(0.1)
        log.info(
            "bluetoothd up, %s and %s powered, in %.1f s",
            self.kit,
            self.camera,
            time.monotonic() - started_s,
        )

    async def _ready(self) -> bool:
        try:
            objects = await dbus.call(
                self.bus_address,
                "org.bluez",
                "/",
                "org.freedesktop.DBus.ObjectManager",
                "GetManagedObjects",
            )
        except RuntimeError as exc:  # bluetoothd is not on the bus yet
            self._why = str(exc)
            return False
        adapters = sorted(path for path, interfaces in objects.items() if ADAPTER in interfaces)
        if len(adapters) < 2:
            self._why = f"controllers on the bus: {adapters}"
            return False
        self.kit, self.camera = (path.rsplit("/", 1)[1] for path in adapters[:2])
        return all([await self._power(name) for name in (self.kit, self.camera)])

    async def power(self, controller: str, is_on: bool) -> None:
        """Power a controller on or off through ``Adapter1.Powered``, as a person would."""
        await self._properties(controller, "Set", "ssv", "Powered", Variant("b", is_on))

    async def command(self, line: str) -> None:
        """One line to the VM's control port (tools/radios-vm.sh); returns once done."""
        reader, writer = await asyncio.open_connection(self._host, self._port)
        try:
            writer.write(f"{line}\n".encode())
            await writer.drain()
            answer = (await asyncio.wait_for(reader.readline(), START_TIMEOUT_S)).decode().strip()
        finally:
            writer.close()
            await writer.wait_closed()
        if answer != "ok":
            raise RuntimeError(f"the radios VM did not do {line!r}: {answer or 'no answer'}")

    async def _power(self, controller: str) -> bool:
        """Whether the controller is powered; asks for it when it is there and is not."""
        try:
            powered = await self._properties(controller, "Get", "ss", "Powered")
            if not powered.value:
                await self.power(controller, True)
        except RuntimeError as exc:  # bluetoothd is not there yet, or has no controller yet
            self._why = str(exc)
            return False
        return bool(powered.value)

    async def _properties(self, controller: str, member: str, signature: str, *body: Any) -> Any:
        return await dbus.call(
            self.bus_address,
            "org.bluez",
            f"/org/bluez/{controller}",
            "org.freedesktop.DBus.Properties",
            member,
            signature,
            "org.bluez.Adapter1",
            *body,
        )


ManufacturerData = Annotated[dict[int, Variant], DBusSignature("a{qv}")]


class Advertisement(ServiceInterface):
    """A broadcast with one manufacturer data entry, as a camera system would send."""

    def __init__(self, company_id: int, payload: bytes) -> None:
        super().__init__("org.bluez.LEAdvertisement1")
        self.company_id = company_id
        self.payload = payload

    @method()
    def Release(self) -> None:
        """BlueZ dropped it; nothing to do here."""

    @dbus_property(access=PropertyAccess.READ)
    def Type(self) -> DBusStr:
        return "broadcast"

    @dbus_property(access=PropertyAccess.READ)
    def ManufacturerData(self) -> ManufacturerData:
        return {self.company_id: Variant("ay", self.payload)}


@dataclass(frozen=True)
class Report:
    """One advertising report: when it arrived, from which Device1, what it carried."""

    at_s: float
    device: str
    manufacturer_data: dict[int, bytes]


class Camera:
    """A BlueZ client on one controller: scans, and broadcasts a beacon when asked."""

    def __init__(self, bus: MessageBus, controller: str) -> None:
        self._bus = bus
        self.path = f"/org/bluez/{controller}"
        self.reports: list[Report] = []
        self._changed = asyncio.Event()

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, bus_address: str, controller: str) -> AsyncIterator["Camera"]:
        """Connect to the bus; scanning stops and the advertisement goes on exit."""
        bus = await MessageBus(bus_address=bus_address).connect()
        camera = cls(bus, controller)
        bus.add_message_handler(camera._on_message)
        try:
            await camera._call(
                "org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "AddMatch",
                "s",
                "type='signal',sender='org.bluez'",
                interface="org.freedesktop.DBus",
            )
            yield camera
        finally:
            bus.disconnect()

    async def scan(self) -> None:
        """LE discovery with duplicate data: every report is signalled, repeats too.

        A bluetoothd that has just started may refuse it for a moment (not ready, busy): asked
        again until it takes it, within ``START_TIMEOUT_S``.
        """
        filters = {"Transport": Variant("s", "le"), "DuplicateData": Variant("b", True)}
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                await self._call("org.bluez", self.path, "SetDiscoveryFilter", "a{sv}", filters)
                await self._call("org.bluez", self.path, "StartDiscovery", "")
                return
            except RuntimeError as exc:
                if time.monotonic() > deadline:
                    raise
                log.info("the camera's scan: %s; asking again", exc)
                await asyncio.sleep(0.2)

    async def broadcast(self, company_id: int, payload: bytes) -> None:
        """Register a broadcast advertisement carrying ``payload``."""
        self._bus.export("/org/actkit/test/camera", Advertisement(company_id, payload))
        await self._call(
            "org.bluez",
            self.path,
            "RegisterAdvertisement",
            "oa{sv}",
            "/org/actkit/test/camera",
            {},
            interface="org.bluez.LEAdvertisingManager1",
        )

    async def rescan(self) -> None:
        """Stop the scan and start it again: the controller reports what is on the air anew."""
        with contextlib.suppress(RuntimeError):  # not scanning any more (the daemon restarted)
            await self._call("org.bluez", self.path, "StopDiscovery", "")
        await self.scan()

    async def heard(
        self,
        company_id: int,
        payload: bytes,
        after_s: float = 0.0,
        timeout_s: float = 20.0,
        rescan_s: float | None = RESCAN_S,
    ) -> Report:
        """The first report since ``after_s`` (monotonic) that carried exactly ``payload``.

        The scan is started again every ``rescan_s`` while nothing matches (:data:`RESCAN_S`:
        an advertisement already on the air is reported anew); ``None`` leaves it alone, for a
        measurement of when a report came by itself.

        Raises:
            TimeoutError: nothing of the kind arrived in time; the message lists what did.
        """
        deadline = time.monotonic() + timeout_s
        next_rescan_s = deadline if rescan_s is None else time.monotonic() + rescan_s
        rescans = 0
        while True:
            report = self._first(company_id, payload, after_s)
            if report is not None:
                if after_s:
                    log.info(
                        "heard %s %.1f s after the mark (%d rescans)",
                        payload.hex(),
                        report.at_s - after_s,
                        rescans,
                    )
                return report
            now_s = time.monotonic()
            if now_s >= deadline:
                heard = sorted(
                    {r.manufacturer_data.get(company_id, b"").hex() for r in self.reports}
                )
                raise TimeoutError(
                    f"{payload.hex()} not heard in {timeout_s:g} s ({rescans} rescans): {heard}"
                )
            if rescan_s is not None and now_s >= next_rescan_s:
                await self.rescan()
                rescans += 1
                next_rescan_s = time.monotonic() + rescan_s
                continue
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(deadline, next_rescan_s) - now_s)

    def _first(self, company_id: int, payload: bytes, after_s: float) -> Report | None:
        for report in self.reports:
            if report.at_s >= after_s and report.manufacturer_data.get(company_id) == payload:
                return report
        return None

    def _on_message(self, message: Message) -> None:
        if message.message_type is not MessageType.SIGNAL:
            return
        path = message.path or ""
        if message.member == "InterfacesAdded":
            path, interfaces = message.body
            changed = interfaces.get("org.bluez.Device1", {})
        elif message.member == "PropertiesChanged" and message.body[0] == "org.bluez.Device1":
            changed = message.body[1]
        else:
            return
        if not path.startswith(self.path + "/") or "ManufacturerData" not in changed:
            return
        data = {key: bytes(value.value) for key, value in changed["ManufacturerData"].value.items()}
        self.reports.append(Report(time.monotonic(), path, data))
        self._changed.set()

    async def _call(
        self,
        destination: str,
        path: str,
        member: str,
        signature: str,
        *body: Any,
        interface: str = "org.bluez.Adapter1",
    ) -> Any:
        reply = await self._bus.call(
            Message(
                destination=destination,
                path=path,
                interface=interface,
                member=member,
                signature=signature,
                body=list(body),
            )
        )
        assert reply is not None
        if reply.message_type is MessageType.ERROR:
            raise RuntimeError(f"{member}: {reply.error_name} {reply.body}")
        return reply.body
