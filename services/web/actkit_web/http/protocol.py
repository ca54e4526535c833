"""HTTP/1.1 as the web serves it: uvicorn's httptools protocol with header limits and deadlines.

uvicorn bounds neither the headers (count or size) with httptools nor the time a request may
take to arrive: a client trickling a byte at a time (slowloris) holds a connection for as long
as it likes. Here a request's line and headers must arrive in full within a deadline from its
first byte (or from the connection, for the first), within a size and a count; its body within
a deadline extended by each byte received (Apache's mod_reqtimeout: a minimum rate). Idle
keep-alive connections close after uvicorn's ``timeout_keep_alive``. A response's writes in one
turn of the loop (uvicorn writes the head and the body apart) leave as one: one TLS record and
one send instead of two.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, ClassVar

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

KIB = 1024


@dataclass(frozen=True)
class ConnectionLimits:
    """What a connection may send, and how slowly; the defaults are the product's."""

    max_headers: int = 100
    """As Apache's LimitRequestFields; browsers send about 20."""
    max_head_bytes: int = 16 * KIB
    """Request line and headers together; a Digest Authorization header is at most 4 KiB."""
    head_timeout_s: float = 10.0
    body_timeout_s: float = 10.0
    body_min_rate_bps: int = 1024
    """After ``body_timeout_s``, a body must keep coming at this rate (256 KiB: 4 min)."""
    keep_alive_s: int = 5
    tls_handshake_timeout_s: float = 10.0
    max_connections: int = 200
    """Per listener: connections and running requests together, beyond which uvicorn answers
    503 (a device in a car serves a few people and integrators; the process has 1024 file
    descriptors)."""


CONNECTION_LIMITS = ConnectionLimits()


class CorkedTransport:
    """A transport whose writes in one turn of the event loop go out together, at its end.

    Everything else goes to the transport; closing sends what is held first.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._held:
            self._loop.call_soon(self.flush)
        self._held.append(data)

    def flush(self) -> None:
        if self._held and not self._transport.is_closing():
            self._transport.write(b"".join(self._held))
        self._held.clear()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing oversized heads (431) and late requests (408)."""

    limits: ClassVar[ConnectionLimits] = CONNECTION_LIMITS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._is_in_body = False
        self._head_bytes = 0
        """Bytes received since the request's head began, counted while it is incomplete."""
        self._header_count = 0
        self._body_bytes = 0
        self._started_at = 0.0
        self._deadline: asyncio.TimerHandle | None = None
        self._refusal: tuple[int, str] | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._corked = CorkedTransport(transport, self.loop)
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._is_in_body:
            self._body_bytes += len(data)
        else:
            if self._deadline is None:
                self._await_head()
            self._head_bytes += len(data)
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # A websocket takes the connection over; any other upgrade leaves the parser
            # stopped, the request served as it is and the connection to the keep-alive timer.
            self._cancel_deadline()
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError:
            # A limit refused in a parser callback surfaces as the parser's own error.
            self._refuse(*(self._refusal or (400, "Invalid HTTP request received.")))
            return
        if not self._is_in_body and self._head_bytes > self.limits.max_head_bytes:
            self._refuse(431, self._head_too_large())

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_count = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self.limits.max_headers:
            self._refusal = (431, f"a request may carry at most {self.limits.max_headers} headers")
            raise ValueError(self._refusal[1])
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        size = len(self.url) + sum(len(name) + len(value) for name, value in self.headers)
        if size > self.limits.max_head_bytes:
            self._refusal = (431, self._head_too_large())
            raise ValueError(self._head_too_large())
        self._is_in_body = True
        self._head_bytes = self._body_bytes = 0
        self._cancel_deadline()
        self._started_at = self.loop.time()
        self._deadline = self.loop.call_later(self.limits.body_timeout_s, self._check_deadline)
        super().on_headers_complete()
        if self.cycle is not None and self.cycle.transport is self.transport:
            self.cycle.transport = self._corked  # type: ignore[assignment]

    def on_message_complete(self) -> None:
        self._is_in_body = False
        self._head_bytes = 0
        self._cancel_deadline()
        super().on_message_complete()

    def _await_head(self) -> None:
        self._started_at = self.loop.time()
        self._deadline = self.loop.call_later(self.limits.head_timeout_s, self._check_deadline)

    def _check_deadline(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        limits = self.limits
        if self._is_in_body and self.flow.read_paused:
            # The body waits unread while its route is busy: the server's delay, not the
            # client's, so its clock starts again once the route reads on.
            self._started_at, self._body_bytes = self.loop.time(), 0
            self._deadline = self.loop.call_later(limits.body_timeout_s, self._check_deadline)
            return
        allowed_s = limits.head_timeout_s
        if self._is_in_body:
            allowed_s = limits.body_timeout_s + self._body_bytes / limits.body_min_rate_bps
        left_s = self._started_at + allowed_s - self.loop.time()
        if left_s > 0:
            self._deadline = self.loop.call_later(left_s, self._check_deadline)
        elif self._is_in_body:
            self._refuse(
                408,
                f"the request body came too slowly: after {limits.body_timeout_s:g} s, "
                f"send at least {limits.body_min_rate_bps} bytes a second",
            )
        elif self._head_bytes:
            self._refuse(
                408,
                f"the request line and headers must arrive within {limits.head_timeout_s:g} s",
            )
        else:
            self.transport.close()  # nothing asked, so nothing to answer

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _head_too_large(self) -> str:
        return f"the request line and headers may take at most {self.limits.max_head_bytes} bytes"

    def _refuse(self, status: int, message: str) -> None:
        """Answer ``status`` with ``message`` unless a response has begun, and close."""
        self._cancel_deadline()
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            if cycle.response_started:
                self.transport.close()
                return
            # The route stops here: its reads see a disconnect and its answer goes nowhere.
            cycle.disconnected = True
            cycle.message_event.set()
        body = f"{message}\n".encode()
        head = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [
            b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()


def guarded_protocol(limits: ConnectionLimits) -> type[GuardedHttpProtocol]:
    """The protocol class for uvicorn's ``http`` option, with ``limits`` for the defaults."""
    return type("GuardedHttpProtocol", (GuardedHttpProtocol,), {"limits": limits})
