"""The service always finishes shutting down, even when a cancellation is swallowed on the way."""

import asyncio
import dataclasses

from actkit_core.tasks import stop_task
from actkit_core.testing.fake_bus import FakeBus
from actkit_mqtt.handlers import Deps
from actkit_mqtt.main import consume_reports
from actkit_mqtt.ports import Report, StatusReport
from actkit_proto.base import Event
from actkit_proto.mqtt import ClientStatusChanged, ConnectionState

GUARD_S = 10
"""Only for a failing test to end with a message rather than at the session timeout."""


class KeyValueBus(FakeBus):
    """A bus whose stateful events wait for the key-value store's reply, as nats-py does.

    nats-py awaits that reply with ``asyncio.wait_for``; ``reply`` is resolved by the test.
    """

    def __init__(self) -> None:
        super().__init__()
        self.writing = asyncio.Event()
        self.reply: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.wrote_after_cancel = False

    async def publish(self, event: Event) -> None:
        await super().publish(event)
        if not event.stateful:
            return
        self.writing.set()
        await asyncio.wait_for(self.reply, GUARD_S)
        current = asyncio.current_task()
        assert current is not None
        self.wrote_after_cancel = current.cancelling() > 0


async def test_the_report_consumer_stops_though_its_status_write_swallowed_the_cancellation(
    deps: Deps,
) -> None:
    bus = KeyValueBus()
    reports: asyncio.Queue[Report] = asyncio.Queue()
    consumer = asyncio.create_task(consume_reports(reports, dataclasses.replace(deps, bus=bus)))
    reports.put_nowait(StatusReport(ConnectionState.ERROR, "no answer", "broker:1883"))
    await bus.writing.wait()

    # On Python 3.11, wait_for then returns the reply it already has instead of raising
    # CancelledError: the consumer goes back to waiting for reports as if never cancelled.
    async def shut_down_as_the_reply_lands() -> None:
        bus.reply.set_result(None)
        await stop_task(consumer)

    # Not asyncio.timeout: cancelling the test's task would cancel the consumer a second time.
    stopping = asyncio.create_task(shut_down_as_the_reply_lands())
    await asyncio.wait({stopping}, timeout=GUARD_S)

    assert bus.wrote_after_cancel, "the race did not happen: the test proves nothing"
    assert stopping.done(), "the consumer ran on after its cancellation"
    assert consumer.cancelled()
    assert [type(event) for event in bus.published] == [ClientStatusChanged]
