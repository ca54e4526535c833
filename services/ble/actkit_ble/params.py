"""The beacon settings plain config shows (``Bluetooth.Beacon.*``)."""

from __future__ import annotations

from actkit_core.section_params import FieldParameter, field_parameter
from actkit_proto.ble import BeaconSettings

_GROUP = "Bluetooth.Beacon"

FIELDS: tuple[FieldParameter, ...] = (
    field_parameter(_GROUP, "CompanyId", "beacon", BeaconSettings, "company_id",
                    description="Bluetooth SIG company identifier (0x0D5B)"),
    field_parameter(_GROUP, "WatchedSystemIds", "beacon", BeaconSettings, "watched_system_ids",
                    description="System IDs whose beacons are reported, "
                    "comma-separated, at most 32"),
    field_parameter(_GROUP, "PresenceTimeoutMs", "beacon", BeaconSettings, "presence_timeout_ms",
                    description="A beacon is gone after this long unheard"),
    field_parameter(_GROUP, "MinRSSI", "beacon", BeaconSettings, "min_rssi_dbm",
                    description="Ignore weaker beacons (dBm)"),
)  # fmt: skip
