"""The ble service's own Prometheus metrics."""

from prometheus_client import Counter, Gauge

BEACONS_RECEIVED = Counter(
    "actkit_ble_beacons_received_total",
    "Advertising reports judged by the receiver, by verdict (accepted, unwatched, too_weak ...).",
    ["verdict"],
)
BROADCASTS_ACTIVE = Gauge(
    "actkit_ble_broadcasts_active", "System IDs whose beacon this device sends now."
)
PAYLOAD_UPDATES = Counter(
    "actkit_ble_payload_updates_total",
    "Beacon payloads handed to the controller: a new broadcast or a change in place.",
)
RADIO_FAILURES = Counter(
    "actkit_ble_radio_failures_total",
    "Requests the controller refused or could not take, by kind (unavailable, full).",
    ["kind"],
)
