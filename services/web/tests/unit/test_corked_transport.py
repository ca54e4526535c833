"""A response's writes in one turn of the loop leave as one write; closing sends what is held."""

from __future__ import annotations

import asyncio

from actkit_web.http.protocol import CorkedTransport


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.is_closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.is_closed = True

    def is_closing(self) -> bool:
        return self.is_closed


async def test_a_head_and_a_body_written_in_one_turn_leave_as_one_write() -> None:
    transport = RecordingTransport()
    corked = CorkedTransport(transport, asyncio.get_running_loop())
    corked.write(b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n")
    corked.write(b"OK\n")
    assert transport.writes == []
    await asyncio.sleep(0)
    assert transport.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nOK\n"]


async def test_writes_of_later_turns_leave_in_their_order() -> None:
    transport = RecordingTransport()
    corked = CorkedTransport(transport, asyncio.get_running_loop())
    corked.write(b"first")
    await asyncio.sleep(0)
    corked.write(b"second")
    await asyncio.sleep(0)
    assert transport.writes == [b"first", b"second"]


async def test_closing_sends_what_is_held_first() -> None:
    transport = RecordingTransport()
    corked = CorkedTransport(transport, asyncio.get_running_loop())
    corked.write(b"answer")
    corked.close()
    assert transport.writes == [b"answer"]
    assert transport.is_closed
    await asyncio.sleep(0)
    assert transport.writes == [b"answer"]


async def test_what_else_is_asked_goes_to_the_transport() -> None:
    transport = RecordingTransport()
    corked = CorkedTransport(transport, asyncio.get_running_loop())
    assert not corked.is_closing()
    transport.close()
    assert corked.is_closing()
