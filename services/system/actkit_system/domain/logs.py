"""The system and access logs in memory: bounded, newest kept, filtered for viewing."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from actkit_proto.system import AccessEntry, ListAccessLog, ListSystemLog, LogEntry

T = TypeVar("T", LogEntry, AccessEntry)


@dataclass
class Journal(Generic[T]):
    """The newest ``capacity`` entries; ``unsaved`` are those not yet written to the database."""

    capacity: int
    entries: deque[T] = field(default_factory=deque)
    unsaved: list[T] = field(default_factory=list)
    next_id: int = 1

    def load(self, entries: Iterable[T]) -> None:
        """Start from stored entries, oldest first."""
        for entry in entries:
            self.entries.append(entry)
            self.next_id = max(self.next_id, entry.entry_id + 1)
        self._trim()

    def add(self, make: Callable[[int], T]) -> T:
        """Add the entry ``make(entry_id)``; the oldest goes when full."""
        entry = make(self.next_id)
        self.next_id += 1
        self.entries.append(entry)
        self.unsaved.append(entry)
        self._trim()
        return entry

    def take_unsaved(self) -> list[T]:
        """The entries to write, handed over once."""
        unsaved, self.unsaved = self.unsaved, []
        return unsaved

    def oldest_id(self) -> int:
        """The id of the oldest entry kept (older rows can be deleted)."""
        return self.entries[0].entry_id if self.entries else self.next_id

    def clear(self) -> None:
        """Forget every entry (factory default)."""
        self.entries.clear()
        self.unsaved.clear()

    def newest(self, matches: Callable[[T], bool], limit: int) -> tuple[list[T], int]:
        """The newest ``limit`` matching entries, newest first, and how many match."""
        found = [entry for entry in reversed(self.entries) if matches(entry)]
        return found[:limit], len(found)

    def _trim(self) -> None:
        while len(self.entries) > self.capacity:
            self.entries.popleft()


def system_filter(query: ListSystemLog) -> Callable[[LogEntry], bool]:
    """Whether a system log line passes the query's filters."""
    services = set(query.services)
    worst = query.min_severity.code
    text = query.text.lower() if query.text else None

    def matches(entry: LogEntry) -> bool:
        return (
            (not services or entry.service in services)
            and entry.severity.code <= worst
            and (query.since is None or entry.at >= query.since)
            and (query.until is None or entry.at <= query.until)
            and (text is None or text in entry.message.lower() or text in entry.logger.lower())
        )

    return matches


def access_filter(query: ListAccessLog) -> Callable[[AccessEntry], bool]:
    """Whether an access log line passes the query's filters."""

    def matches(entry: AccessEntry) -> bool:
        return (
            (query.client_address is None or entry.client_address == query.client_address)
            and (query.name is None or entry.name == query.name)
            and (query.since is None or entry.at >= query.since)
            and (query.until is None or entry.at <= query.until)
        )

    return matches
