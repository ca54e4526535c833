import asyncio
import logging

from actkit_core.buslog import QUEUE_SIZE, BusLogHandler, forward_logs, severity_of
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.base import Event
from actkit_proto.system import LogRecorded, Severity


def test_log_levels_map_to_syslog_severities() -> None:
    assert severity_of(logging.CRITICAL) is Severity.CRITICAL
    assert severity_of(logging.ERROR) is Severity.ERROR
    assert severity_of(logging.WARNING) is Severity.WARNING
    assert severity_of(logging.INFO) is Severity.INFO
    assert severity_of(logging.DEBUG) is Severity.DEBUG


async def test_warnings_and_worse_are_published_on_the_services_subject() -> None:
    bus = FakeBus()
    async with forward_logs(bus, "io"):
        logger = logging.getLogger("actkit_io.handlers")
        logger.info("not forwarded")
        logger.warning("port %d cut", 3)
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("failed")
        for _ in range(10):
            if len(bus.published) == 2:
                break
            await asyncio.sleep(0)
    first, second = bus.published
    assert isinstance(first, LogRecorded)
    assert isinstance(second, LogRecorded)
    assert first.to_subject() == "io.log.recorded"
    assert (first.severity, first.logger, first.message) == (
        Severity.WARNING,
        "actkit_io.handlers",
        "port 3 cut",
    )
    assert second.severity is Severity.ERROR
    assert second.message == "failed: ValueError('boom')"
    assert not any(isinstance(h, BusLogHandler) for h in logging.getLogger().handlers)


async def test_a_full_queue_drops_and_counts_instead_of_blocking() -> None:
    handler = BusLogHandler("io")
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "m", None, None)
    for _ in range(QUEUE_SIZE + 3):
        handler.emit(record)
    assert handler.dropped == 3


class FailingBus(FakeBus):
    async def publish(self, event: Event) -> None:
        logging.getLogger("actkit_core.bus").warning("cannot publish %s", event)
        raise ConnectionError("down")


async def test_a_failing_bus_neither_loops_nor_stops_forwarding() -> None:
    bus = FailingBus()
    async with forward_logs(bus, "io") as handler:
        logging.getLogger("x").warning("one")
        logging.getLogger("x").warning("two")
        for _ in range(10):
            if handler.dropped == 2:
                break
            await asyncio.sleep(0)
    assert handler.dropped == 2
    assert handler.queue.empty()
