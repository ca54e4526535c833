"""The mqtt service's own metrics (the bus counts every message besides)."""

from prometheus_client import Counter

MESSAGES = Counter(
    "actkit_mqtt_messages_total",
    "MQTT messages by direction (sent, received) and outcome",
    ["direction", "outcome"],
)
