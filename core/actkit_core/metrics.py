"""Prometheus metrics of the bus, shared by every service, and the per-service /metrics server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Histogram, start_http_server

BUS_MESSAGES = Counter(
    "actkit_bus_messages_total",
    "Bus messages handled or published, by outcome (ok, published, or an error code).",
    ["service", "subject", "outcome"],
)
BUS_HANDLE_SECONDS = Histogram(
    "actkit_bus_handle_seconds",
    "Time to handle one bus message.",
    ["service", "subject"],
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0),
)


@contextmanager
def serve_metrics(host: str, port: int) -> Iterator[int]:
    """Serve /metrics over HTTP while the context is open; yields the bound port."""
    server, thread = start_http_server(port, addr=host)
    try:
        yield int(server.server_port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=2)
