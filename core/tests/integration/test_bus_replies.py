"""Requests and state writes through a connection's one reply subscription, on a real server."""

import asyncio
from typing import ClassVar

import pytest
from nats.aio.msg import Msg
from nats.errors import ConnectionClosedError, NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import APIError, InvalidKeyError, NoStreamResponseError

from actkit_core.bus import Bus
from actkit_core.replies import Replies
from actkit_core.settling import settled
from actkit_core.testing.eventually import eventually
from actkit_proto import Ack, Command
from actkit_proto.io import Direction, PortChanged


class Slow(Command[Ack]):
    """Test only: a command answered when the test says so."""

    subject: ClassVar[str] = "io.test.slow"


async def held(bus: Bus, subject: str) -> asyncio.Queue[Msg]:
    """Requests to ``subject`` are taken and left unanswered; the queue has them."""
    asked: asyncio.Queue[Msg] = asyncio.Queue()
    await bus.client.subscribe(subject, cb=asked.put)
    await settled(bus.client)
    return asked


async def test_a_subject_nobody_serves_raises_no_responders(bus: Bus) -> None:
    with pytest.raises(NoRespondersError):
        await Replies(bus.client).request("io.test.nobody", b"", 2.0)


async def test_an_unanswered_request_times_out_and_its_late_reply_is_dropped(bus: Bus) -> None:
    asked = await held(bus, "io.test.held")

    async def answer(msg: Msg) -> None:
        await bus.client.publish(msg.reply, b"now")

    await bus.client.subscribe("io.test.answered", cb=answer)
    replies = Replies(bus.client)
    async with asyncio.timeout(5):
        with pytest.raises(NatsTimeout):
            await replies.request("io.test.held", b"", 0.05)
    await bus.client.publish((await asked.get()).reply, b"late")
    # The late reply comes first on the reply subscription and finds nobody waiting.
    assert (await replies.request("io.test.answered", b"", 2.0)).data == b"now"


async def test_close_fails_what_still_waits(bus: Bus) -> None:
    await held(bus, "io.test.held")
    replies = Replies(bus.client)
    asking = asyncio.create_task(replies.request("io.test.held", b"", 5.0))
    await eventually(lambda: len(replies._waiting))
    replies.close()
    async with asyncio.timeout(2):
        with pytest.raises(ConnectionClosedError):
            await asking


def changed(port_id: int) -> PortChanged:
    return PortChanged(
        port_id=port_id, direction=Direction.OUTPUT, is_active=True, circuit="closed", edge_ns=1
    )


async def test_a_write_jetstream_refuses_raises_its_error(nats_server: str, bus: Bus) -> None:
    await bus.client.jetstream().create_key_value(bucket="small", history=1, max_value_size=100)
    async with Bus.connect("io", "small", servers=[nats_server]) as io:
        await io.publish(changed(1))
        assert [event.port_id for event in await bus.current(PortChanged)] == []
        assert [event.port_id for event in await io.current(PortChanged)] == [1]
        with pytest.raises(APIError, match="maximum"):
            await io.publish(changed(1).model_copy(update={"edge_ns": 10**30}))
        assert [event.edge_ns for event in await io.current(PortChanged)] == [1]


@pytest.mark.parametrize("key", ["", ".io", "io.", "io port", "io.port.1\n"])
async def test_a_key_the_bucket_would_refuse_is_not_sent(bus: Bus, key: str) -> None:
    with pytest.raises(InvalidKeyError):
        await Replies(bus.client).keep("actkit-state", key, b"{}")


async def test_a_write_to_a_missing_bucket_raises_no_stream(bus: Bus) -> None:
    with pytest.raises(NoStreamResponseError):
        await Replies(bus.client).keep("missing", "io.port.1", b"{}")


async def test_a_request_in_flight_at_close_gets_its_reply(nats_server: str, bus: Bus) -> None:
    release = asyncio.Event()
    async with Bus.connect("io", servers=[nats_server]) as asker:

        async def answer(msg: Msg) -> None:
            await release.wait()
            await bus.client.publish(msg.reply, Ack().to_wire())

        await bus.client.subscribe(Slow.subject, cb=answer)
        await settled(bus.client)
        asking = asyncio.create_task(asker.request(Slow(), timeout_s=5.0))
        await eventually(lambda: len(asker._replies._waiting))
        closing = asyncio.create_task(asker.close())
        # Without the wait for the replies, the drain would have ended their subscription.
        await eventually(lambda: asker.client.is_draining or asker._replies._settled is not None)
        release.set()
        async with asyncio.timeout(5):
            assert isinstance(await asking, Ack)
            await closing
        assert asker.client.is_closed


async def test_a_long_request_does_not_hold_up_close(
    nats_server: str, bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("actkit_core.replies.SETTLE_WAIT_S", 0.1)
    asked = await held(bus, Slow.subject)
    async with Bus.connect("io", servers=[nats_server]) as asker:
        asking = asyncio.create_task(asker.request(Slow(), timeout_s=60.0))
        await asked.get()
        async with asyncio.timeout(5):
            await asker.close()
            with pytest.raises(ConnectionClosedError):
                await asking
