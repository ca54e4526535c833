"""The mailbox: what waits under a subject is cut down by the reducer, in order, within a bound."""

import asyncio
import logging
from typing import Any, cast

import pytest
from nats.aio.msg import Msg

from actkit_core.coalescing import Coalescing, Mailbox, StateWriter, join_all, newest
from actkit_core.dispatch import Dispatcher
from actkit_proto.io import GetPort, PortChanged


def msg(subject: str, data: bytes) -> Msg:
    return Msg(_client=cast(Any, None), subject=subject, data=data)


def every(_subject: str, payloads: list[bytes]) -> list[int]:
    return list(range(len(payloads)))


class Consumer:
    """A handler that can be held at its next message, and the counts the mailbox reports."""

    def __init__(self) -> None:
        self.handled: list[tuple[str, bytes]] = []
        self.counts: dict[str, int] = {}
        self.gate = asyncio.Event()
        self.gate.set()
        self.busy = asyncio.Event()

    async def handle(self, message: Msg) -> None:
        self.busy.set()
        await self.gate.wait()
        self.handled.append((message.subject, message.data))

    def count(self, outcome: str, number: int) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + number

    def mailbox(self, reduce: Any = newest, limit: int = 100) -> Mailbox:
        return Mailbox(reduce, self.handle, self.count, limit)

    async def blocked_on(self, mailbox: Mailbox, subject: str, data: bytes) -> None:
        self.gate.clear()
        await mailbox.take(msg(subject, data))
        await asyncio.wait_for(self.busy.wait(), 1)


async def test_an_idle_mailbox_handles_each_message_as_it_comes() -> None:
    consumer = Consumer()
    mailbox = consumer.mailbox()
    for number in range(3):
        await mailbox.take(msg("a", b"%d" % number))
        await mailbox.join()
    assert consumer.handled == [("a", b"0"), ("a", b"1"), ("a", b"2")]
    assert consumer.counts == {}


async def test_what_waits_under_a_subject_is_reduced_and_counted() -> None:
    consumer = Consumer()
    mailbox = consumer.mailbox(limit=20_000)
    await consumer.blocked_on(mailbox, "a", b"first")
    for number in range(10_000):
        await mailbox.take(msg("a", b"%d" % number))
    assert mailbox.size == 10_000
    consumer.gate.set()
    await mailbox.join()
    assert consumer.handled == [("a", b"first"), ("a", b"9999")]
    assert consumer.counts == {"coalesced": 9999}
    assert mailbox.size == 0


async def test_subjects_are_handled_oldest_first_and_keep_their_order() -> None:
    consumer = Consumer()
    mailbox = consumer.mailbox(reduce=every)
    await consumer.blocked_on(mailbox, "a", b"1")
    for subject, data in (("b", b"1"), ("a", b"2"), ("c", b"1"), ("b", b"2")):
        await mailbox.take(msg(subject, data))
    consumer.gate.set()
    await mailbox.join()
    assert consumer.handled == [("a", b"1"), ("b", b"1"), ("b", b"2"), ("a", b"2"), ("c", b"1")]


async def test_at_the_limit_the_growing_subject_is_reduced_at_once() -> None:
    consumer = Consumer()
    mailbox = consumer.mailbox(limit=10)
    await consumer.blocked_on(mailbox, "a", b"first")
    for number in range(25):
        await mailbox.take(msg("a", b"%d" % number))
    assert mailbox.size <= 10
    consumer.gate.set()
    await mailbox.join()
    assert consumer.handled == [("a", b"first"), ("a", b"24")]
    assert consumer.counts == {"coalesced": 24}


async def test_past_the_limit_a_message_is_refused_counted_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    consumer = Consumer()
    mailbox = consumer.mailbox(reduce=every, limit=3)
    await consumer.blocked_on(mailbox, "a", b"first")
    with caplog.at_level(logging.WARNING):
        for number in range(5):
            await mailbox.take(msg("a", b"%d" % number))
        await mailbox.take(msg("b", b"new"))
    assert consumer.counts == {"overflow": 3}
    assert "a: 3 messages wait, the limit; refused one (1 so far)" in caplog.text
    consumer.gate.set()
    await mailbox.join()
    assert consumer.handled == [("a", b"first"), ("a", b"0"), ("a", b"1"), ("a", b"2")]


async def test_closing_drops_what_waits() -> None:
    consumer = Consumer()
    mailbox = consumer.mailbox()
    await mailbox.close()
    await consumer.blocked_on(mailbox, "a", b"first")
    await mailbox.take(msg("a", b"later"))
    await mailbox.close()
    assert mailbox.size == 0
    await mailbox.join()
    assert consumer.handled == []


async def test_joining_gives_up_after_its_time() -> None:
    consumer = Consumer()
    mailbox = consumer.mailbox()
    await consumer.blocked_on(mailbox, "a", b"first")
    await join_all([mailbox], timeout_s=0.01)
    assert consumer.handled == []
    consumer.gate.set()
    await join_all([mailbox])
    assert consumer.handled == [("a", b"first")]


def test_only_the_events_named_get_a_mailbox() -> None:
    consumer = Consumer()
    plan = Coalescing({PortChanged: newest})
    assert isinstance(plan.mailbox(PortChanged, consumer.handle, consumer.count), Mailbox)
    assert plan.mailbox(GetPort, consumer.handle, consumer.count) is None


def test_refused_messages_count_as_handled_and_failed() -> None:
    dispatcher = Dispatcher("io", {}, None)
    dispatcher.skip(PortChanged, "coalesced", 5)
    dispatcher.skip(PortChanged, "overflow", 2)
    assert (dispatcher.handled, dispatcher.failed) == (7, 2)


class Bucket:
    """A key-value store whose puts can be held, and can fail."""

    def __init__(self) -> None:
        self.puts: list[tuple[str, bytes]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.error: Exception | None = None

    async def put(self, subject: str, data: bytes) -> None:
        self.puts.append((subject, data))
        await self.gate.wait()
        if self.error is not None:
            raise self.error


async def test_states_written_one_after_another_are_each_written() -> None:
    bucket = Bucket()
    writer = StateWriter(bucket.put)
    assert [await writer.write("a", data) for data in (b"1", b"2")] == [False, False]
    assert bucket.puts == [("a", b"1"), ("a", b"2")]


async def test_a_flood_of_states_is_written_newest_only_and_every_writer_returns() -> None:
    bucket = Bucket()
    bucket.gate.clear()
    writer = StateWriter(bucket.put)
    writes = [asyncio.ensure_future(writer.write("a", b"%d" % n)) for n in range(100)]
    other = asyncio.ensure_future(writer.write("b", b"x"))
    await asyncio.sleep(0)
    bucket.gate.set()
    replaced = await asyncio.gather(*writes)
    await other
    assert bucket.puts == [("a", b"0"), ("b", b"x"), ("a", b"99")]
    assert replaced.count(True) == 98  # the first wrote, the second waited, the rest replaced
    assert await writer.write("a", b"again") is False


async def test_a_failed_write_reaches_its_writers_and_frees_the_subject() -> None:
    bucket = Bucket()
    bucket.gate.clear()
    bucket.error = OSError("bucket gone")
    writer = StateWriter(bucket.put)
    first = asyncio.ensure_future(writer.write("a", b"1"))
    waiting = [asyncio.ensure_future(writer.write("a", data)) for data in (b"2", b"3")]
    await asyncio.sleep(0)
    bucket.gate.set()
    for write in (first, *waiting):
        with pytest.raises(OSError, match="bucket gone"):
            await write
    bucket.error = None
    assert await writer.write("a", b"4") is False
    assert bucket.puts[-1] == ("a", b"4")


async def test_states_started_without_waiting_are_kept_newest_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bucket = Bucket()
    bucket.gate.clear()
    writer = StateWriter(bucket.put)
    replaced = [writer.write_soon("a", b"%d" % n) for n in range(100)]
    assert replaced.count(True) == 99  # none written yet: the newest replaced them all
    bucket.gate.set()
    await writer.flush()
    assert bucket.puts == [("a", b"99")]
    bucket.error = OSError("bucket gone")
    with caplog.at_level(logging.WARNING):
        writer.write_soon("a", b"lost")
        await writer.flush()
    assert "could not keep a state: bucket gone" in caplog.text


async def test_a_flood_started_without_waiting_is_spaced_and_a_waiting_writer_is_not() -> None:
    bucket = Bucket()
    writer = StateWriter(bucket.put, every_s=3600)
    writer.write_soon("a", b"1")
    await writer.flush()
    for n in range(2, 101):
        writer.write_soon("a", b"%d" % n)
    writer.write_soon("b", b"x")
    for _ in range(20):
        await asyncio.sleep(0)
    assert bucket.puts == [("a", b"1"), ("b", b"x")]  # "a" was just written: the flood waits
    assert await writer.write("a", b"now") is True  # replaced the waiting 100, not held back
    assert bucket.puts[-1] == ("a", b"now")
    writer.write_soon("a", b"last")
    await writer.flush()  # a close writes what waits at once
    assert bucket.puts[2:] == [("a", b"now"), ("a", b"last")]


async def test_a_flush_hurries_a_spaced_write_a_waiting_writer_has_hurried_already() -> None:
    bucket = Bucket()
    writer = StateWriter(bucket.put, every_s=3600)
    writer.write_soon("a", b"1")
    await writer.flush()
    writer.write_soon("a", b"2")
    for _ in range(5):
        await asyncio.sleep(0)  # its writer waits out the spacing
    assert bucket.puts == [("a", b"1")]
    waiting = asyncio.ensure_future(writer.write("a", b"3"))
    flushing = asyncio.ensure_future(writer.flush())
    assert await waiting is True  # "2" was replaced, then both hurried the one write
    await flushing
    assert bucket.puts == [("a", b"1"), ("a", b"3")]
