"""The web service's own Prometheus metrics (the bus's are core's)."""

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "actkit_web_requests_total",
    "HTTP requests answered, by route template, method and status code.",
    ["route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "actkit_web_request_seconds",
    "Time to answer one HTTP request (to the first byte for streams), by route template.",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
AUTH_FAILURES = Counter(
    "actkit_web_auth_failures_total",
    "Requests refused for missing or wrong credentials (401) or a blocked client (429).",
    ["scheme", "status"],
)
