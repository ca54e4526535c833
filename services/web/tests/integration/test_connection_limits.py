"""Connection limits over real sockets: header counts and sizes, slow heads and bodies, idle TLS.

The deadlines are shortened (``FAST``) so that each case ends in a fraction of a second; without
its limit, a case would wait for the test's timeout instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest_asyncio
from fastapi import FastAPI

from actkit_web.http.certificate import ensure_certificate
from actkit_web.http.protocol import KIB, ConnectionLimits
from actkit_web.http.serving import Listener
from actkit_web.main import server_config

FAST = ConnectionLimits(head_timeout_s=0.3, body_timeout_s=0.3, tls_handshake_timeout_s=0.3)


@dataclass(frozen=True)
class Served:
    http_port: int
    https_port: int


@pytest_asyncio.fixture
async def served(app: FastAPI, tmp_path: Path) -> AsyncIterator[Served]:
    certificate, key = ensure_certificate(tmp_path)
    http = Listener("HTTP", "127.0.0.1", lambda: server_config(app, FAST))
    https = Listener(
        "HTTPS",
        "127.0.0.1",
        lambda: server_config(app, FAST, ssl_certfile=str(certificate), ssl_keyfile=str(key)),
    )
    await http.start((0,))
    await https.start((0,))
    try:
        yield Served(http.port, https.port)
    finally:
        await https.stop()
        await http.stop()


async def _read_to_end(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes (a reset after its answer ends it too)."""
    received = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := await reader.read(64 * KIB):
            received += chunk
    return received


async def _exchange(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        return await _read_to_end(reader)
    finally:
        writer.close()


async def test_ten_thousand_headers_are_refused_with_431(served: Served) -> None:
    headers = b"".join(b"X-Header-%d: v\r\n" % number for number in range(10_000))
    answer = await _exchange(
        served.http_port, b"GET /api/v1/ports HTTP/1.1\r\nHost: device\r\n" + headers + b"\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert answer.endswith(b"a request may carry at most 100 headers\n")


async def test_a_header_that_never_ends_is_refused_with_431_once_over_the_size(
    served: Served,
) -> None:
    answer = await _exchange(
        served.http_port, b"GET /login HTTP/1.1\r\nHost: device\r\nX-Long: " + b"a" * (32 * KIB)
    )
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b"request line and headers may take at most 16384 bytes" in answer


async def test_headers_that_trickle_in_get_408_and_the_connection_closes(served: Served) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", served.http_port)
    writer.write(b"GET /login HTTP/1.1\r\nHost: device\r\n")

    async def trickle() -> None:
        with contextlib.suppress(ConnectionError):
            for number in range(1000):
                writer.write(b"X-Slow-%d: v\r\n" % number)
                await writer.drain()
                await asyncio.sleep(0.05)

    slowloris = asyncio.create_task(trickle())
    try:
        answer = await _read_to_end(reader)
    finally:
        slowloris.cancel()
        writer.close()
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert answer.endswith(b"the request line and headers must arrive within 0.3 s\n")


async def test_a_body_that_stops_coming_gets_408(served: Served) -> None:
    answer = await _exchange(
        served.http_port,
        b"POST /api/v1/session HTTP/1.1\r\nHost: device\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"name": ',
    )
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"the request body came too slowly" in answer


async def test_a_connection_that_asks_nothing_is_closed_without_an_answer(served: Served) -> None:
    assert await _exchange(served.http_port, b"") == b""


async def test_a_tls_handshake_that_never_comes_is_cut(served: Served) -> None:
    assert await _exchange(served.https_port, b"") == b""


async def test_a_tls_connection_that_asks_nothing_is_closed(served: Served) -> None:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    reader, writer = await asyncio.open_connection("127.0.0.1", served.https_port, ssl=context)
    try:
        assert await _read_to_end(reader) == b""
    finally:
        writer.close()


async def test_a_kept_alive_connection_idle_past_the_head_deadline_still_serves(
    served: Served,
) -> None:
    # The head deadline starts at a request's first byte, not when the previous one ended.
    reader, writer = await asyncio.open_connection("127.0.0.1", served.http_port)
    try:
        for _ in range(2):
            writer.write(b"GET /api/v1/setup HTTP/1.1\r\nHost: device\r\n\r\n")
            assert (await reader.readline()).startswith(b"HTTP/1.1 200 ")
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
            await asyncio.sleep(2 * FAST.head_timeout_s)
    finally:
        writer.close()


async def test_an_announced_large_anonymous_body_is_refused_before_it_is_sent(
    served: Served,
) -> None:
    answer = await _exchange(
        served.http_port,
        b"POST /api/v1/rules HTTP/1.1\r\nHost: device\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % (10 * 1024 * KIB),
    )
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"connection: close" in answer.lower()
    assert b"64 KiB at most" in answer
