"""The beacon settings plain config shows (``Bluetooth.Beacon.*``)."""

from __future__ import annotations

from actkit_core.params import ParameterSpec
from actkit_core.section_params import FieldParameter
from actkit_proto.beacon import AXIS_COMPANY_ID
from actkit_proto.params import ParameterType

_GROUP = "Bluetooth.Beacon"

FIELDS: tuple[FieldParameter, ...] = (
    FieldParameter(ParameterSpec(_GROUP, "CompanyId", ParameterType.INTEGER, AXIS_COMPANY_ID,
                                 minimum=0, maximum=0xFFFF,
                                 description="Bluetooth SIG company identifier (0x0D5B)"),
                   "beacon", "company_id"),
    FieldParameter(ParameterSpec(_GROUP, "WatchedSystemIds", ParameterType.STRING, "",
                                 description="System IDs whose beacons are reported, "
                                 "comma-separated, at most 32"),
                   "beacon", "watched_system_ids"),
    FieldParameter(ParameterSpec(_GROUP, "PresenceTimeoutMs", ParameterType.INTEGER, 3000,
                                 minimum=500, maximum=600_000,
                                 description="A beacon is gone after this long unheard"),
                   "beacon", "presence_timeout_ms"),
    FieldParameter(ParameterSpec(_GROUP, "MinRSSI", ParameterType.INTEGER, minimum=-127,
                                 maximum=20, description="Ignore weaker beacons (dBm)"),
                   "beacon", "min_rssi_dbm"),
)  # fmt: skip
