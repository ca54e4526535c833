"""The Bluetooth controller the ble service drives, as interfaces; adapters/ implements them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Sighting:
    """One advertising report: the manufacturer data heard and how strong."""

    manufacturer_data: Mapping[int, bytes]
    rssi_dbm: int | None


@dataclass(frozen=True)
class RadioState:
    """The controller as the adapter sees it."""

    is_present: bool = False
    is_powered: bool = False
    is_discovering: bool = False
    advertising_instances: int = 0
    supported_instances: int | None = None
    address: str | None = None


class RadioError(Exception):
    """The controller refused or could not be reached; the message says which."""


class RadioUnavailable(RadioError):
    """The controller is absent or off; what was asked is kept and applied when it is back."""


class RadioFull(RadioError):
    """The controller sends as many advertisements as it can."""


class BeaconRadio(Protocol):
    """Sends beacons as advertisements and reports the advertisements it hears."""

    async def advertise(self, key: int, company_id: int, payload: bytes) -> None:
        """Send ``payload`` under ``key``: register it, or change the registered one in place.

        Raises:
            RadioUnavailable: kept, and sent as soon as the controller is back.
            RadioFull: not kept.
        """

    async def withdraw(self, key: int) -> None:
        """Stop sending the advertisement of ``key`` (nothing when there is none)."""

    async def scan(self, is_on: bool) -> None:
        """Listen for advertisements, or stop; kept and reapplied when the controller returns."""

    def sightings(self) -> AsyncIterator[Sighting]:
        """Every advertising report heard while scanning."""

    def states(self) -> AsyncIterator[RadioState]:
        """The controller's state: the current one first, then each change."""


class BeaconSimulator(Protocol):
    """Scripted radio surroundings (``sim.ble.*`` on the bus)."""

    def hear(self, company_id: int, payload: bytes, rssi_dbm: int | None) -> None:
        """Make the radio hear an advertisement, as from a camera system nearby."""
