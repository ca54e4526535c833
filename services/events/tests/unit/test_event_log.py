"""The event log: a bounded ring, queried by time and rule."""

import tracemalloc
from datetime import UTC, datetime, timedelta

from actkit_events.domain.log import EventLogRing
from actkit_proto.events import LogEntry, LogKind

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_the_ring_keeps_the_newest_entries_and_filters_by_time_and_rule() -> None:
    ring = EventLogRing(capacity=10)
    for second in range(25):
        ring.add(T0 + timedelta(seconds=second), second % 2, LogKind.ACTIVATED, f"#{second}")
    assert len(ring) == 10
    assert ring.query()[0].text == "#15"
    since = ring.query(since=T0 + timedelta(seconds=20), rule_id=0)
    assert [e.text for e in since] == ["#20", "#22", "#24"]
    until = ring.query(until=T0 + timedelta(seconds=17))
    assert [e.text for e in until] == ["#15", "#16", "#17"]
    assert [e.text for e in ring.query(limit=2)] == ["#23", "#24"]


def test_a_full_ring_keeps_its_entries_small() -> None:
    # The ring is in every events service all along (a thousand entries by default): as models
    # (a dict and a fields set each) they took about 525 bytes an entry, as tuples about 133.
    texts = [f"rule {index}: input 1 rose" for index in range(1000)]
    ring = EventLogRing(capacity=1000)
    tracemalloc.start()
    try:
        for index, text in enumerate(texts):
            ring.add(T0 + timedelta(microseconds=index), index % 256, LogKind.ACTIVATED, text)
        kept_bytes, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kept_bytes / len(ring) < 300
    assert ring.query(limit=1)[0] == LogEntry(
        at=T0 + timedelta(microseconds=999),
        rule_id=999 % 256,
        kind=LogKind.ACTIVATED,
        text=texts[-1],
    )
