"""``actkit-fleet exporter``: one HQ node's monitoring endpoint (JSON) as Prometheus metrics.

nats-server serves ``/varz``, ``/jsz`` and ``/leafz`` as JSON only; this runs beside each node
and reads them at every scrape (no cache: a dead node is ``actkit_hq_up 0`` at once).
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

from prometheus_client import start_http_server
from prometheus_client.core import REGISTRY, CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

TIMEOUT_S = 2.0
_VARZ_GAUGES = {
    "connections": "client connections",
    "leafnodes": "vehicles linked to this node",
    "routes": "routes to the other HQ nodes",
    "mem": "resident memory, bytes",
    "cpu": "CPU use, percent of one core",
    "subscriptions": "subscriptions",
}
_VARZ_COUNTERS = {
    "in_msgs": "messages received",
    "out_msgs": "messages sent",
    "in_bytes": "bytes received",
    "out_bytes": "bytes sent",
    "slow_consumers": "slow consumers seen",
}
_JSZ_GAUGES = {
    "streams": "JetStream streams",
    "consumers": "JetStream consumers",
    "messages": "JetStream messages stored",
    "bytes": "JetStream bytes stored",
}


class HqNodeCollector(Collector):
    """Reads one node's monitoring endpoint at each scrape."""

    def __init__(self, monitor_url: str) -> None:
        self.monitor_url = monitor_url.rstrip("/")

    def _read(self, path: str) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.monitor_url}/{path}", timeout=TIMEOUT_S) as answer:
            data: dict[str, Any] = json.loads(answer.read())
        return data

    def collect(self) -> Iterator[Metric]:
        """The node's metrics; only ``actkit_hq_up 0`` when it does not answer."""
        up = GaugeMetricFamily("actkit_hq_up", "whether the HQ node's monitoring answered")
        try:
            varz, jsz, leafz = self._read("varz"), self._read("jsz"), self._read("leafz")
        except (OSError, ValueError):
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for field, text in _VARZ_GAUGES.items():
            yield GaugeMetricFamily(f"actkit_hq_{field}", text, value=float(varz.get(field, 0)))
        for field, text in _VARZ_COUNTERS.items():
            yield CounterMetricFamily(f"actkit_hq_{field}", text, value=float(varz.get(field, 0)))
        for field, text in _JSZ_GAUGES.items():
            yield GaugeMetricFamily(
                f"actkit_hq_jetstream_{field}", text, value=float(jsz.get(field, 0))
            )
        linked = GaugeMetricFamily(
            "actkit_hq_vehicle_linked", "a vehicle's leaf link on this node", labels=["vehicle"]
        )
        for leaf in leafz.get("leafs") or []:
            linked.add_metric([str(leaf.get("name", ""))], 1)
        yield linked


def serve(monitor_url: str, port: int) -> None:
    """Serve the node's metrics on ``port`` until killed."""
    REGISTRY.register(HqNodeCollector(monitor_url))
    start_http_server(port)
    while True:
        time.sleep(3600)
