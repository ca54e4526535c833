"""Prometheus metrics of the bus, shared by every service, and the per-service /metrics server."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterable, Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.metrics_core import Metric

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


class ServiceMetrics(CollectorRegistry):
    """The default registry as service ``service`` shows it: its own and the shared families.

    Every ``actkit_<service>_*`` family belongs to that service; ``actkit_bus_*`` and the
    process/platform collectors to all. Under ``actkit run`` a service process has every service's
    modules loaded (see :mod:`actkit_core.preload`), so the others' families are left out here.
    """

    def __init__(self, service: str) -> None:
        super().__init__(auto_describe=True)
        self._own = (f"actkit_{service}_", "actkit_bus_")

    def collect(self) -> Iterable[Metric]:
        """The default registry's families that this service shows."""
        for family in REGISTRY.collect():
            if not family.name.startswith("actkit_") or family.name.startswith(self._own):
                yield family


@contextlib.contextmanager
def serve_metrics(host: str, port: int, service: str) -> Iterator[int]:
    """Serve ``service``'s /metrics over HTTP while the context is open; yields the bound port."""
    server, thread = start_http_server(port, addr=host, registry=ServiceMetrics(service))
    try:
        yield int(server.server_port)
    finally:
        # shutdown() waits for the server's loop, which looks for it every 0.5 s: shutting its
        # socket down wakes the loop at once (a stop then takes milliseconds, not up to 0.5 s).
        stopping = threading.Thread(target=server.shutdown)
        stopping.start()
        with contextlib.suppress(OSError):
            server.socket.shutdown(socket.SHUT_RDWR)
        stopping.join()
        server.server_close()
        thread.join(timeout=2)
