"""The io service's Prometheus metrics (``actkit_io_*``)."""

import functools

from prometheus_client import Counter, Histogram

EDGES = Counter("actkit_io_edges_total", "Electrical edges seen on an input, by port.", ["port"])
OUTPUT_CHANGES = Counter(
    "actkit_io_output_changes_total", "Circuit changes driven on an output, by port.", ["port"]
)
EDGE_TO_EVENT_SECONDS = Histogram(
    "actkit_io_edge_to_event_seconds",
    "Time from an input's electrical edge to its published event.",
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5),
)
EDGES_COALESCED = Counter(
    "actkit_io_edges_coalesced_total",
    "Input edges the real board's backlog skipped for a newer state of their line, by port "
    "(or button, ignition).",
    ["port"],
)


@functools.cache
def edges_of(port_id: int) -> Counter:
    """A port's child of :data:`EDGES`, looked up once (every edge counts)."""
    return EDGES.labels(str(port_id))


@functools.cache
def output_changes_of(port_id: int) -> Counter:
    """A port's child of :data:`OUTPUT_CHANGES`, looked up once (every change counts)."""
    return OUTPUT_CHANGES.labels(str(port_id))
