"""BlueZ over D-Bus: beacons as broadcast advertisements, reception by LE discovery.

The advertisement is an exported ``org.bluez.LEAdvertisement1`` object of type ``broadcast``
(without ``Discoverable``, which BlueZ refuses for broadcasts); a new payload is announced
with PropertiesChanged, which bluetoothd follows without a new registration. Reception runs
LE discovery with duplicate data on and reads ``ManufacturerData`` and ``RSSI`` from the
``Device1`` objects BlueZ adds and changes. Every BlueZ call has a time limit, and the adapter
re-registers what it sends and restarts discovery when bluetoothd restarts or the controller is
powered on again; a restore BlueZ does not answer in time or refuses (a daemon still coming
back) is tried again with back-off until it holds. When the system bus itself goes away
(dbus-daemon restarted), the radio reports the controller absent, connects again with back-off
and restores the same.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Coroutine
from dataclasses import replace
from typing import Any, TypeVar

from dbus_fast import Message, MessageType, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.errors import DBusError
from dbus_fast.introspection import Node

from actkit_ble.adapters.advertisement import Advertisement
from actkit_ble.adapters.dbus import call_bus_daemon, connect, connect_again, within
from actkit_ble.adapters.introspection import (
    ABSENT,
    ADAPTER,
    ADAPTER_XML,
    ADVERTISING,
    BLUEZ,
    DEVICE,
    GONE,
    MATCH_RULES,
    PROPERTIES,
    describe,
    value,
)
from actkit_ble.adapters.reception import Reception
from actkit_ble.ports import RadioError, RadioFull, RadioState, RadioUnavailable, Sighting

log = logging.getLogger(__name__)

T = TypeVar("T")

ADVERTISEMENT_ROOT = "/org/actkit/ble/advertisement"
RESTORE_FIRST_S = 0.5
RESTORE_LONGEST_S = 5.0
"""The wait before restoring again, after BlueZ did not answer in time or refused, doubles from
the first up to the longest."""

_ADAPTER_NODE = Node.parse(ADAPTER_XML)


class BluezRadio:
    """The :class:`~actkit_ble.ports.BeaconRadio` of one BlueZ controller."""

    def __init__(
        self, bus: MessageBus, controller: str, bus_address: str | None, timeout_s: float
    ) -> None:
        self._path = f"/org/bluez/{controller}"
        self._controller = controller
        self._bus_address = bus_address
        self._timeout_s = timeout_s
        self._advertisements: dict[int, Advertisement] = {}
        self._registered: set[int] = set()
        self._is_scan_wanted = False
        self._reception = Reception(self._path)
        self._state = RadioState()
        self._changes: asyncio.Queue[RadioState] = asyncio.Queue()
        self._sync_lock = asyncio.Lock()
        self._restore_wait_s = RESTORE_FIRST_S
        self._restore: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._attach(bus)

    @classmethod
    @contextlib.asynccontextmanager
    async def open(
        cls, controller: str = "hci0", bus_address: str | None = None, timeout_s: float = 2.0
    ) -> AsyncIterator["BluezRadio"]:
        """Connect to the system bus (or ``bus_address``) and follow ``controller``.

        BlueZ need not be running: the radio reports the controller absent until it appears.
        On exit every advertisement is unregistered and discovery stopped.
        """
        radio = cls(await connect(bus_address), controller, bus_address, timeout_s)
        try:
            await radio._watch()
            radio._spawn(radio._follow_bus())
            yield radio
        finally:
            await radio._release()
            with contextlib.suppress(*GONE):
                radio._bus.disconnect()

    async def advertise(self, key: int, company_id: int, payload: bytes) -> None:
        """Send or change the advertisement of ``key``."""
        advertisement = self._advertisements.get(key)
        if advertisement is None:
            advertisement = Advertisement(company_id, payload, lambda: self._released(key))
            self._bus.export(_advertisement_path(key), advertisement)
            self._advertisements[key] = advertisement
        else:
            advertisement.change(company_id, payload)
        if key in self._registered:
            return
        if not (self._state.is_present and self._state.is_powered):
            raise RadioUnavailable(f"the Bluetooth controller {self._controller} is not available")
        try:
            await self._register(key)
        except RadioFull:
            self._forget(key)
            raise

    async def withdraw(self, key: int) -> None:
        """Stop sending the advertisement of ``key``."""
        if key not in self._advertisements:
            return
        if key in self._registered:
            self._registered.discard(key)
            try:
                await self._limit(
                    self._advertising.call_unregister_advertisement(_advertisement_path(key))
                )
            except (DBusError, TimeoutError, *GONE) as exc:
                log.info("unregistering advertisement %d: %s", key, describe(exc))
            self._set_state(advertising_instances=len(self._registered))
        self._forget(key)

    async def scan(self, is_on: bool) -> None:
        """Run LE discovery, or stop it; kept and reapplied when the controller returns."""
        self._is_scan_wanted = is_on
        await self._sync()

    def sightings(self) -> AsyncIterator[Sighting]:
        """Advertising reports with manufacturer data, in the order heard."""
        return self._reception.sightings()

    async def states(self) -> AsyncIterator[RadioState]:
        """The current state, then each change."""
        yield self._state
        while True:
            yield await self._changes.get()

    def _attach(self, bus: MessageBus) -> None:
        """Use ``bus`` from now on: its proxies, and the advertisements exported on it."""
        self._bus = bus
        proxy = bus.get_proxy_object(BLUEZ, self._path, _ADAPTER_NODE)
        # The proxies' ``call_*`` methods are made from the XML at run time, so typed Any.
        self._adapter: Any = proxy.get_interface(ADAPTER)
        self._advertising: Any = proxy.get_interface(ADVERTISING)
        self._properties: Any = proxy.get_interface(PROPERTIES)
        for key, advertisement in self._advertisements.items():
            bus.export(_advertisement_path(key), advertisement)

    async def _follow_bus(self) -> None:
        """When the system bus connection closes, connect again (with back-off) and restore."""
        while True:
            with contextlib.suppress(*GONE):
                await self._bus.wait_for_disconnect()  # type: ignore[no-untyped-call]
            log.warning("the system bus closed the connection; connecting again")
            self._lost()
            await connect_again(self._bus_address, self._watch_on)

    async def _watch_on(self, bus: MessageBus) -> None:
        """Use ``bus`` from now on, and follow BlueZ on it."""
        self._attach(bus)
        await self._watch()

    async def _watch(self) -> None:
        self._bus.add_message_handler(self._on_message)
        for rule in MATCH_RULES:
            await call_bus_daemon(self._bus, self._timeout_s, "AddMatch", "s", [rule])
        await self._sync()

    async def _release(self) -> None:
        for key in list(self._advertisements):
            await self.withdraw(key)
        if self._is_scan_wanted and self._state.is_discovering:
            with contextlib.suppress(DBusError, TimeoutError, *GONE):
                await self._limit(self._adapter.call_stop_discovery())
        for task in self._tasks:
            task.cancel()

    async def _sync(self) -> None:
        """Bring BlueZ to what is wanted: advertisements registered, discovery running.

        What failed for a reason other than BlueZ or the bus being away is tried again later.
        """
        async with self._sync_lock:
            try:
                failure = await self._sync_once()
            except (DBusError, TimeoutError, *GONE) as exc:
                failure = describe(exc)
                self._lost()
                if isinstance(exc, GONE) or (isinstance(exc, DBusError) and exc.type in ABSENT):
                    log.warning("BlueZ controller %s: %s", self._controller, failure)
                    return
        if failure is None:
            if self._restore_wait_s > RESTORE_FIRST_S:
                log.info("BlueZ controller %s restored", self._controller)
            self._restore_wait_s = RESTORE_FIRST_S
        elif self._restore is None:
            wait_s = self._restore_wait_s
            self._restore_wait_s = min(2 * wait_s, RESTORE_LONGEST_S)
            log.warning(
                "BlueZ controller %s: %s; trying again in %g s", self._controller, failure, wait_s
            )
            self._restore = self._spawn(self._sync_later(wait_s))

    async def _sync_later(self, wait_s: float) -> None:
        await asyncio.sleep(wait_s)
        self._restore = None
        await self._sync()

    async def _sync_once(self) -> str | None:
        """One pass of :meth:`_sync`; says what did not get restored, if something did not."""
        adapter = await self._limit(self._properties.call_get_all(ADAPTER))
        is_powered = bool(value(adapter.get("Powered")))
        self._set_state(
            is_present=True,
            is_powered=is_powered,
            is_discovering=bool(value(adapter.get("Discovering"))),
            address=value(adapter.get("Address")),
        )
        if not is_powered:
            self._registered.clear()
            self._set_state(advertising_instances=0)
            return None
        with contextlib.suppress(DBusError):
            advertising = await self._limit(self._properties.call_get_all(ADVERTISING))
            supported = value(advertising.get("SupportedInstances"))
            self._set_state(supported_instances=supported if isinstance(supported, int) else None)
        failure = None
        for key in list(self._advertisements):
            if key not in self._registered:
                try:
                    await self._register(key)
                except RadioFull as exc:
                    log.warning("advertisement %d not restored: %s", key, exc)
                except RadioError as exc:
                    failure = f"advertisement {key} not restored: {exc}"
        if self._is_scan_wanted and not self._state.is_discovering:
            await self._limit(
                self._adapter.call_set_discovery_filter(
                    {"Transport": Variant("s", "le"), "DuplicateData": Variant("b", True)}
                )
            )
            await self._limit(self._adapter.call_start_discovery())
            self._set_state(is_discovering=True)
        elif not self._is_scan_wanted and self._state.is_discovering:
            await self._limit(self._adapter.call_stop_discovery())
            self._set_state(is_discovering=False)
        return failure

    async def _register(self, key: int) -> None:
        """Register the advertisement of ``key``; one BlueZ says it holds already, anew.

        bluetoothd 5.66 keeps registrations through a power cycle, and was seen not to send one
        again after the power-on: registered from scratch, it is sent.
        """
        path = _advertisement_path(key)
        try:
            try:
                await self._limit(self._advertising.call_register_advertisement(path, {}))
            except DBusError as exc:
                if exc.type != "org.bluez.Error.AlreadyExists":
                    raise
                log.info("advertisement %d: BlueZ holds it already; registering it anew", key)
                await self._limit(self._advertising.call_unregister_advertisement(path))
                await self._limit(self._advertising.call_register_advertisement(path, {}))
        except DBusError as exc:
            if exc.type == "org.bluez.Error.NotPermitted" or "Maximum" in (exc.text or ""):
                raise RadioFull(
                    f"the Bluetooth controller {self._controller} sends as many advertisements "
                    f"as it can ({exc.text})"
                ) from None
            raise RadioError(f"BlueZ refused the advertisement: {describe(exc)}") from None
        except TimeoutError:
            raise RadioUnavailable(f"BlueZ did not answer within {self._timeout_s:g} s") from None
        except GONE:
            raise RadioUnavailable("the system bus is not connected; connecting again") from None
        self._registered.add(key)
        self._set_state(advertising_instances=len(self._registered))

    def _released(self, key: int) -> None:
        """BlueZ let go of an advertisement; one still wanted is registered again at once.

        Release can come after the power-on that follows a power cycle was already synced (the
        registration then answered "already exists"): waiting for the next change would leave
        the beacon off the air.
        """
        if key not in self._registered:
            return
        self._registered.discard(key)
        self._set_state(advertising_instances=len(self._registered))
        if key in self._advertisements and self._state.is_powered:
            self._spawn(self._sync())

    def _forget(self, key: int) -> None:
        self._advertisements.pop(key, None)
        self._bus.unexport(_advertisement_path(key))

    def _lost(self) -> None:
        """BlueZ or the controller went away: nothing is registered any more."""
        self._registered.clear()
        self._reception.clear()
        self._set_state(
            is_present=False, is_powered=False, is_discovering=False, advertising_instances=0
        )

    def _on_message(self, message: Message) -> None:
        if message.message_type is not MessageType.SIGNAL:
            return
        try:
            self._on_signal(message)
        except Exception:
            # A malformed signal must not stop the watch; the next one carries the state.
            log.exception("BlueZ signal %s on %s", message.member, message.path)

    def _on_signal(self, message: Message) -> None:
        member, path, body = message.member, message.path or "", message.body
        if member == "NameOwnerChanged" and body[0] == BLUEZ:
            self._lost()
            if body[2]:
                self._spawn(self._sync())
        elif member == "InterfacesAdded":
            interfaces = body[1]
            if DEVICE in interfaces:
                self._reception.changed(body[0], interfaces[DEVICE])
            if body[0] == self._path and ADAPTER in interfaces:
                self._spawn(self._sync())
        elif member == "InterfacesRemoved":
            if body[0] == self._path:
                self._lost()
            else:
                self._reception.removed(body[0])
        elif member == "PropertiesChanged":
            interface, changed = body[0], body[1]
            if interface == DEVICE:
                self._reception.changed(path, changed)
            elif interface == ADAPTER and path == self._path:
                self._adapter_changed(changed)

    def _adapter_changed(self, changed: dict[str, Variant]) -> None:
        if "Powered" in changed:
            if changed["Powered"].value:
                self._spawn(self._sync())
            else:
                self._registered.clear()
                self._set_state(is_powered=False, is_discovering=False, advertising_instances=0)
        if "Discovering" in changed:
            is_discovering = bool(changed["Discovering"].value)
            self._set_state(is_discovering=is_discovering)
            if self._is_scan_wanted and not is_discovering and self._state.is_powered:
                self._spawn(self._sync())

    def _set_state(self, **changes: Any) -> None:
        state = replace(self._state, **changes)
        if state != self._state:
            self._state = state
            self._changes.put_nowait(state)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        # The coroutine itself is the task's: one cancelled before it starts is closed with it,
        # where a wrapper awaiting it would leave it never awaited.
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _limit(self, call: Awaitable[T]) -> T:
        return await within(self._timeout_s, call)


def _advertisement_path(key: int) -> str:
    return f"{ADVERTISEMENT_ROOT}{key}"
