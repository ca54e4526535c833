"""The event log: a bounded ring, queried by time and rule."""

from datetime import UTC, datetime, timedelta

from actkit_events.domain.log import EventLogRing
from actkit_proto.events import LogKind

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
