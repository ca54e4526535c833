"""The system service's own Prometheus metrics."""

from __future__ import annotations

from prometheus_client import Counter

LOG_LINES = Counter(
    "actkit_system_log_lines_total",
    "System log lines collected, by service and severity.",
    ["service", "severity"],
)
SYSLOG_FAILURES = Counter(
    "actkit_system_syslog_failures_total",
    "Remote syslog deliveries that failed, by server id.",
    ["server_id"],
)
ROLLOUTS = Counter(
    "actkit_system_rollouts_total",
    "Rollouts that ended, by outcome (committed, rolled_back, failed).",
    ["outcome"],
)
