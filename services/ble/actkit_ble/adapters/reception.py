"""What the BlueZ radio hears: the manufacturer data and RSSI of the devices LE discovery finds."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

from dbus_fast import Variant

from actkit_ble.adapters.introspection import manufacturer_data
from actkit_ble.ports import Sighting

SIGHTINGS_KEPT = 1024
"""Reports waiting to be judged; past this the newest are dropped rather than memory grown."""


class Reception:
    """The ``Device1`` objects BlueZ adds and changes below one controller, as sightings."""

    def __init__(self, controller_path: str) -> None:
        self._prefix = controller_path + "/"
        self._devices: dict[str, tuple[dict[int, bytes], int | None]] = {}
        self._heard: asyncio.Queue[Sighting] = asyncio.Queue(SIGHTINGS_KEPT)

    async def sightings(self) -> AsyncIterator[Sighting]:
        """Advertising reports with manufacturer data, in the order heard."""
        while True:
            yield await self._heard.get()

    def changed(self, path: str, changed: dict[str, Variant]) -> None:
        """A device's properties were added or changed: a report if it carries data."""
        if not path.startswith(self._prefix):
            return
        data, rssi = self._devices.get(path, ({}, None))
        if "ManufacturerData" in changed:
            data = manufacturer_data(changed["ManufacturerData"].value)
        if "RSSI" in changed and isinstance(changed["RSSI"].value, int):
            rssi = changed["RSSI"].value
        self._devices[path] = (data, rssi)
        if data and ("ManufacturerData" in changed or "RSSI" in changed):
            with contextlib.suppress(asyncio.QueueFull):
                self._heard.put_nowait(Sighting(data, rssi))

    def removed(self, path: str) -> None:
        """BlueZ removed a device."""
        self._devices.pop(path, None)

    def clear(self) -> None:
        """BlueZ or the controller went away, and the devices with it."""
        self._devices.clear()
