"""The mailbox: what waits under a subject is cut down by the reducer, in order, within a bound."""

import asyncio
import logging
from typing import Any, cast

import pytest
from nats.aio.msg import Msg

from actkit_core.bus import Dispatcher
from actkit_core.coalescing import Coalescing, Mailbox, join_all
from actkit_proto.io import GetPort, PortChanged


def msg(subject: str, data: bytes) -> Msg:
    return Msg(_client=cast(Any, None), subject=subject, data=data)


def newest(_subject: str, payloads: list[bytes]) -> list[int]:
    return [len(payloads) - 1]


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
