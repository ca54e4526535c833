"""The advertisement object BlueZ reads: one beacon, exported on the system bus."""

# No ``from __future__ import annotations``: dbus-fast reads the D-Bus types of the exported
# methods from their annotations at class creation.
from collections.abc import Callable
from typing import Annotated

from dbus_fast import Variant
from dbus_fast.annotations import DBusSignature, DBusStr
from dbus_fast.constants import PropertyAccess
from dbus_fast.service import ServiceInterface, dbus_property, method

ManufacturerData = Annotated[dict[int, Variant], DBusSignature("a{qv}")]


class Advertisement(ServiceInterface):
    """One beacon as BlueZ reads it: a broadcast with manufacturer data and nothing else."""

    def __init__(self, company_id: int, payload: bytes, on_release: Callable[[], None]) -> None:
        super().__init__("org.bluez.LEAdvertisement1")
        self.company_id = company_id
        self.payload = payload
        self._on_release = on_release

    def change(self, company_id: int, payload: bytes) -> None:
        """Send another payload: BlueZ follows the PropertiesChanged signal."""
        if (company_id, payload) == (self.company_id, self.payload):
            return
        self.company_id, self.payload = company_id, payload
        self.emit_properties_changed({"ManufacturerData": self._manufacturer_data()})

    @method()
    def Release(self) -> None:
        """BlueZ dropped the advertisement (controller gone or reset): register it again."""
        self._on_release()

    @dbus_property(access=PropertyAccess.READ)
    def Type(self) -> DBusStr:
        return "broadcast"

    @dbus_property(access=PropertyAccess.READ)
    def ManufacturerData(self) -> ManufacturerData:
        return self._manufacturer_data()

    def _manufacturer_data(self) -> dict[int, Variant]:
        return {self.company_id: Variant("ay", self.payload)}
