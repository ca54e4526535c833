"""The apps' relay to a real nats-server: bytes both ways, and each side's end passed on as such."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
import pytest_asyncio

from actkit_system.adapters.bus_relay import BusRelay


@pytest_asyncio.fixture
async def bus_relay(nats_server: str) -> AsyncIterator[BusRelay]:
    """A relay to the test's nats-server, listening on a free port of this host's loopback."""
    target = urlsplit(nats_server)
    assert target.hostname and target.port
    relay = BusRelay(target.hostname, target.port)
    await relay.listen("127.0.0.1", 0)
    try:
        yield relay
    finally:
        await relay.close()


@pytest.fixture
def relay(bus_relay: BusRelay) -> tuple[str, int]:
    """The address apps connect to."""
    assert bus_relay._server is not None
    return "127.0.0.1", bus_relay._server.sockets[0].getsockname()[1]


async def test_an_app_that_has_nothing_to_say_still_hears_the_server(
    relay: tuple[str, int],
) -> None:
    # As `nc host port </dev/null` does: the app's half is closed before the server has spoken.
    reader, writer = await asyncio.open_connection(*relay)
    writer.write_eof()
    heard = await asyncio.wait_for(reader.read(4), 5)
    assert heard == b"INFO"
    # nats-server ends a connection whose client has closed its half; the relay passes that on.
    rest = await asyncio.wait_for(reader.read(), 5)
    assert rest.endswith(b"\r\n")
    assert reader.at_eof()
    writer.close()


async def test_an_app_talks_to_the_server_through_the_relay(relay: tuple[str, int]) -> None:
    reader, writer = await asyncio.open_connection(*relay)
    assert (await asyncio.wait_for(reader.readline(), 5)).startswith(b"INFO ")
    writer.write(b'CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n')
    assert await asyncio.wait_for(reader.readline(), 5) == b"PONG\r\n"
    writer.close()
    await writer.wait_closed()


async def test_closing_the_relay_ends_the_connections_it_holds(
    bus_relay: BusRelay, relay: tuple[str, int]
) -> None:
    reader, writer = await asyncio.open_connection(*relay)
    await asyncio.wait_for(reader.readline(), 5)
    await bus_relay.close()
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()


async def test_a_server_slow_to_speak_is_heard_by_an_app_that_said_nothing() -> None:
    # The race the test above may win by luck: the app's half ends before the server's first words.
    async def greet_late(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.3)
        writer.write(b"INFO {}\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(greet_late, "127.0.0.1", 0)
    late = BusRelay("127.0.0.1", server.sockets[0].getsockname()[1])
    await late.listen("127.0.0.1", 0)
    assert late._server is not None
    try:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", late._server.sockets[0].getsockname()[1]
        )
        writer.write_eof()
        assert await asyncio.wait_for(reader.read(), 5) == b"INFO {}\r\n"
        writer.close()
    finally:
        await late.close()
        server.close()
