"""Publish a service's warnings and worse on the bus, so the system log collects every service's.

Logging is synchronous and the bus is not: records go into a bounded queue that one task drains.
When the queue is full a record is dropped and counted, never waited for, so logging cannot stall
a handler; records logged while publishing are not forwarded, so a failing bus cannot loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from actkit_core.bus import Publisher
from actkit_core.tasks import stop_task
from actkit_proto.system import LogRecorded, Severity

QUEUE_SIZE = 1000
_SEVERITIES = (
    (logging.CRITICAL, Severity.CRITICAL),
    (logging.ERROR, Severity.ERROR),
    (logging.WARNING, Severity.WARNING),
    (logging.INFO, Severity.INFO),
)


def severity_of(level: int) -> Severity:
    """The syslog severity of a Python log level."""
    for threshold, severity in _SEVERITIES:
        if level >= threshold:
            return severity
    return Severity.DEBUG


class BusLogHandler(logging.Handler):
    """Queues each record at ``level`` and above as a :class:`LogRecorded` event."""

    def __init__(self, service: str, level: int = logging.WARNING) -> None:
        super().__init__(level)
        self.service = service
        self.queue: asyncio.Queue[LogRecorded] = asyncio.Queue(QUEUE_SIZE)
        self.dropped = 0
        self.is_publishing = False

    def emit(self, record: logging.LogRecord) -> None:
        """Queue the record; drop it when the queue is full or it comes from publishing."""
        if self.is_publishing:
            return
        try:
            message = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                message = f"{message}: {record.exc_info[1]!r}"
            self.queue.put_nowait(
                LogRecorded(
                    service=self.service,
                    at=datetime.fromtimestamp(record.created, UTC),
                    severity=severity_of(record.levelno),
                    logger=record.name,
                    message=message,
                )
            )
        except asyncio.QueueFull:
            self.dropped += 1

    async def publish_queued(self, bus: Publisher) -> None:
        """Publish queued records until cancelled."""
        while True:
            event = await self.queue.get()
            self.is_publishing = True
            try:
                await bus.publish(event)
            except Exception:  # the log must never take the service down
                self.dropped += 1
            finally:
                self.is_publishing = False


@contextlib.asynccontextmanager
async def forward_logs(bus: Publisher, service: str) -> AsyncIterator[BusLogHandler]:
    """Forward the root logger's warnings and worse to the bus while the block runs."""
    handler = BusLogHandler(service)
    root = logging.getLogger()
    root.addHandler(handler)
    task = asyncio.create_task(handler.publish_queued(bus))
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        await stop_task(task)
