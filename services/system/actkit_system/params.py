"""The system service's own settings plain config shows: time, location, power, identity."""

from __future__ import annotations

from actkit_core.section_params import FieldParameter, field_parameter
from actkit_proto import Role
from actkit_proto.system import POLL_INTERVALS_S, Identity, Location, PowerSettings, TimeSettings

_IDENTITY = {
    ("Brand", "ProdNbr"): "model",
    ("Brand", "ProdFullName"): "product_name",
    ("Properties.System", "SerialNumber"): "serial_number",
    ("Network.eth0", "MACAddress"): "mac_address",
    ("Properties.Firmware", "Version"): "software_version",
    ("Properties.Firmware", "BuildId"): "build",
}

FIELDS: tuple[FieldParameter, ...] = (
    field_parameter("Time", "SyncMode", "time", TimeSettings, "sync_mode"),
    field_parameter("Time.NTP", "NTSKEServers", "time", TimeSettings, "nts_ke_servers",
                    description="One or two NTS KE servers, comma-separated"),
    field_parameter("Time.NTP", "Servers", "time", TimeSettings, "ntp_servers",
                    description="One or two NTP servers, comma-separated"),
    field_parameter("Time.NTP", "FallbackServers", "time", TimeSettings, "fallback_ntp_servers",
                    description="Fallback NTP servers with DHCP, comma-separated"),
    field_parameter("Time.NTP", "MinPollS", "time", TimeSettings, "min_poll_s",
                    choices=POLL_INTERVALS_S),
    field_parameter("Time.NTP", "MaxPollS", "time", TimeSettings, "max_poll_s",
                    choices=POLL_INTERVALS_S),
    field_parameter("Time", "TimeZoneSource", "time", TimeSettings, "time_zone_source"),
    field_parameter("Time", "TimeZone", "time", TimeSettings, "time_zone",
                    description="IANA time zone name"),
    field_parameter("Location", "Format", "location", Location, "format"),
    field_parameter("Location", "Latitude", "location", Location, "latitude"),
    field_parameter("Location", "Longitude", "location", Location, "longitude"),
    # The contract's bound is below 360, which an inclusive maximum cannot say exactly.
    field_parameter("Location", "Heading", "location", Location, "heading", maximum=359.999),
    field_parameter("Location", "Label", "location", Location, "label"),
    field_parameter("Power", "DelayedShutdown", "power", PowerSettings,
                    "is_delayed_shutdown_on"),
    field_parameter("Power", "DelayMin", "power", PowerSettings, "delay_min"),
    *(
        field_parameter(group, name, "identity", Identity, field, is_writable=False,
                        required_role=Role.VIEWER)
        for (group, name), field in _IDENTITY.items()
    ),
)  # fmt: skip
