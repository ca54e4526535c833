"""Prometheus metrics of the events service (``actkit_events_*``)."""

from prometheus_client import Counter

EVALUATIONS = Counter(
    "actkit_events_evaluations_total", "Rule evaluations caused by condition changes."
)
ACTIVATIONS = Counter("actkit_events_rule_activations_total", "Rule activations.")
SUPPRESSIONS = Counter(
    "actkit_events_rule_suppressions_total", "Activations held back by wait between actions."
)
ACTION_FAILURES = Counter(
    "actkit_events_action_failures_total", "Actions that could not be carried out.", ["action"]
)
NOTIFICATIONS = Counter(
    "actkit_events_notifications_total",
    "Notifications sent, by recipient type.",
    ["type", "outcome"],
)
