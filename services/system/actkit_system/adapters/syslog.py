"""Remote syslog delivery over UDP, TCP (RFC 6587) and TLS (RFC 5425), one task per server.

Each server has a bounded queue: a slow or dead server drops its own lines (counted) and never
holds up logging or the other servers. A connection that fails is reported and opened again
for the next line.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import socket
import ssl
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from actkit_core.tasks import stop_task
from actkit_proto import BusError
from actkit_proto.system import (
    LogEntry,
    SyslogFormat,
    SyslogProtocol,
    SyslogServer,
    SyslogServerEntry,
)
from actkit_system.domain.syslog import format_line, is_sent
from actkit_system.ports import SyslogTestFailed

log = logging.getLogger(__name__)

QUEUE_SIZE = 1000
WRITE_BUFFER_BYTES = 256 * 1024
"""Past this much unsent on a stream, lines wait in the queue for the server to catch up."""
CONNECT_TIMEOUT_S = 5.0
TEST_TIMEOUT_S = 3.5
CLOSE_WAIT_S = 0.5
"""A test message's attempt and its closing, together under the web's wait for an answer (5 s)."""

FailureReport = Callable[[int, str], None]
CaLookup = Callable[[str], Awaitable[str]]
"""The PEM of a CA certificate of the device's store, by id (asked of accounts)."""


async def _no_store(cert_id: str) -> str:
    raise BusError(f"the certificate store is not reachable for {cert_id!r}")


def frame(line: str, server: SyslogServer) -> bytes:
    """The bytes on the wire for one line.

    A datagram carries the line as is; on a stream RFC 5424 is octet-counted (RFC 5425,
    RFC 6587) and the BSD-style formats end with a newline.
    """
    data = line.encode()
    if server.protocol is SyslogProtocol.UDP:
        return data
    if server.format is SyslogFormat.RFC5424:
        return f"{len(data)} ".encode() + data
    return data + b"\n"


def tls_context(cadata: str | None) -> ssl.SSLContext:
    """Verify the server against the chosen CA certificate (PEM), or the system's CAs."""
    if cadata:
        return ssl.create_default_context(cadata=cadata)
    return ssl.create_default_context()


def port_of(server: SyslogServer) -> int:
    """The port given, or the protocol's default."""
    return server.port or server.protocol.default_port


async def open_datagrams(server: SyslogServer) -> asyncio.DatagramTransport:
    """A UDP socket aimed at the server."""
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        asyncio.DatagramProtocol, remote_addr=(server.host, port_of(server))
    )
    return transport


async def open_stream(server: SyslogServer, cadata: str | None = None) -> asyncio.StreamWriter:
    """A TCP connection to the server, TLS-wrapped and verified for the TLS protocol."""
    is_tls = server.protocol is SyslogProtocol.TLS
    _, writer = await asyncio.wait_for(
        asyncio.open_connection(
            server.host,
            port_of(server),
            ssl=tls_context(cadata) if is_tls else None,
            server_hostname=server.host if is_tls else None,
        ),
        CONNECT_TIMEOUT_S,
    )
    return writer


async def send_once(data: bytes, server: SyslogServer, lookup: CaLookup = _no_store) -> str:
    """Send one framed line on a connection of its own; say what happened.

    Raises:
        SyslogTestFailed: the line could not be sent; the message says why and what to check.
    """
    where = f"{server.host}:{port_of(server)}"
    writer: asyncio.StreamWriter | None = None
    cadata: str | None = None
    if server.protocol is SyslogProtocol.TLS and server.ca_certificate:
        try:
            cadata = await lookup(server.ca_certificate)
            tls_context(cadata)
        except BusError as exc:
            raise SyslogTestFailed(
                f"the CA certificate {server.ca_certificate!r} was not given: {exc.message}"
            ) from exc
        except ssl.SSLError as exc:
            raise SyslogTestFailed(
                f"the CA certificate {server.ca_certificate!r} could not be read "
                f"({exc.reason or exc}); choose another in the certificate store"
            ) from exc
    try:
        async with asyncio.timeout(TEST_TIMEOUT_S):
            if server.protocol is SyslogProtocol.UDP:
                datagrams = await open_datagrams(server)
                datagrams.sendto(data)
                datagrams.close()
                return (
                    f"Sent the test message to {where} over UDP. UDP has no acknowledgement: "
                    "look for the message on the server to be sure it arrived."
                )
            writer = await open_stream(server, cadata)
            writer.write(data)
            await writer.drain()
    except (OSError, ssl.SSLError) as exc:  # TimeoutError is an OSError
        raise SyslogTestFailed(explain_failure(exc, server, connected=writer is not None)) from exc
    finally:
        if writer is not None:
            await _close(writer)
    how = "TLS, certificate verified" if server.protocol is SyslogProtocol.TLS else "TCP"
    return f"Connected to {where} ({how}), wrote the test message and closed the connection."


async def _close(writer: asyncio.StreamWriter) -> None:
    """Close a one-shot connection; a server slow to answer the close is cut off, not waited for."""
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), CLOSE_WAIT_S)
    except (OSError, ssl.SSLError):  # TimeoutError is an OSError
        writer.transport.abort()


def explain_failure(exc: OSError, server: SyslogServer, *, connected: bool) -> str:
    """A sentence a person can act on, for a message that could not be sent."""
    where = f"{server.host}:{port_of(server)}"
    protocol = server.protocol.value.upper()
    if isinstance(exc, ssl.SSLCertVerificationError):
        trusted = "the chosen CA certificate" if server.ca_certificate else "the system's CAs"
        return (
            f"{where} sent a certificate that {trusted} cannot verify ({exc.verify_message}); "
            "choose the CA certificate that signed the server's certificate"
        )
    if isinstance(exc, ssl.SSLError):
        return (
            f"the TLS handshake with {where} failed ({exc.reason or exc}); "
            "check that the server speaks TLS on this port"
        )
    if isinstance(exc, ConnectionRefusedError):
        return (
            f"{where} refused the connection; check the port and that the server accepts "
            f"syslog over {protocol}"
        )
    if isinstance(exc, ConnectionError) and not connected and protocol == "TLS":
        return (
            f"{where} closed the connection during the TLS handshake; "
            "check that the server speaks TLS on this port"
        )
    if isinstance(exc, ConnectionError):
        return (
            f"{where} closed the connection before the message was written; check that the "
            f"server accepts syslog over {protocol} on this port"
        )
    if isinstance(exc, socket.gaierror):
        return (
            f"the host name {server.host!r} could not be resolved ({exc.strerror}); "
            "check the name and the device's DNS settings"
        )
    if isinstance(exc, TimeoutError):
        return (
            f"{where} did not answer within {TEST_TIMEOUT_S:g} s; check the address and that "
            "no firewall blocks the port"
        )
    return (
        f"could not send to {where} ({exc.strerror or exc or type(exc).__name__}); "
        "check the address and the network"
    )


class _Sender:
    def __init__(self, entry: SyslogServerEntry, report: FailureReport, lookup: CaLookup) -> None:
        self.entry = entry
        self._lookup = lookup
        self.server = entry.server
        self.port = port_of(entry.server)
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(QUEUE_SIZE)
        self.dropped = 0
        self._report = report
        self._writer: asyncio.StreamWriter | None = None
        self._datagrams: asyncio.DatagramTransport | None = None
        self.task = asyncio.create_task(self._run(), name=f"syslog-{entry.server_id}")

    def offer(self, data: bytes) -> None:
        # Straight onto an open connection when nothing waits before it: a burst of lines then
        # does not depend on this server's task getting a turn. Otherwise queue, in order.
        if self.queue.empty() and self._write_now(data):
            return
        try:
            self.queue.put_nowait(data)
        except asyncio.QueueFull:
            self.dropped += 1

    def _write_now(self, data: bytes) -> bool:
        if self._datagrams is not None and not self._datagrams.is_closing():
            self._datagrams.sendto(data)
            return True
        writer = self._writer
        if (
            writer is not None
            and not writer.is_closing()
            and writer.transport.get_write_buffer_size() < WRITE_BUFFER_BYTES
        ):
            writer.write(data)
            return True
        return False

    async def _run(self) -> None:
        # Open the way at once, so the first burst of lines can go straight out.
        await self._attempt(self._open)
        while True:
            data = await self.queue.get()
            if not await self._attempt(functools.partial(self._deliver, data)):
                self.dropped += 1

    async def _attempt(self, action: Callable[[], Awaitable[None]]) -> bool:
        try:
            await action()
        except (OSError, ssl.SSLError, TimeoutError, BusError) as exc:
            self._close()
            self._report(self.entry.server_id, f"{self.server.host}:{self.port}: {exc}")
            return False
        return True

    async def _open(self) -> None:
        if self.server.protocol is SyslogProtocol.UDP:
            if self._datagrams is None:
                self._datagrams = await open_datagrams(self.server)
        elif self._writer is None or self._writer.is_closing():
            # The CA asked at each connection: a renewed certificate is used from the next one.
            ca_id = self.server.ca_certificate
            cadata = (
                await self._lookup(ca_id)
                if ca_id and self.server.protocol is SyslogProtocol.TLS
                else None
            )
            self._writer = await open_stream(self.server, cadata)

    async def _deliver(self, data: bytes) -> None:
        await self._open()
        if self._datagrams is not None:
            self._datagrams.sendto(data)
            return
        assert self._writer is not None
        self._writer.write(data)
        await self._writer.drain()

    def _close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._datagrams is not None:
            self._datagrams.close()
            self._datagrams = None

    async def stop(self) -> None:
        # One cancellation can be lost in open_stream's asyncio.wait_for (Python 3.11).
        await stop_task(self.task)
        self._close()


class SyslogForwarder:
    """Sends system log lines to every configured remote syslog server."""

    def __init__(self, report: FailureReport | None = None, lookup: CaLookup = _no_store) -> None:
        self._senders: dict[int, _Sender] = {}
        self._lookup = lookup
        self._report = report or (lambda server_id, why: log.debug("%s: %s", server_id, why))
        self._hostname = "localhost"
        self._zone = ZoneInfo("UTC")

    async def configure(
        self, servers: list[SyslogServerEntry], hostname: str, time_zone: str
    ) -> None:
        self._hostname = hostname
        self._zone = ZoneInfo(time_zone)
        wanted = {entry.server_id: entry for entry in servers}
        for server_id in list(self._senders):
            if wanted.get(server_id) != self._senders[server_id].entry:
                await self._senders.pop(server_id).stop()
        for server_id, entry in wanted.items():
            if server_id not in self._senders:
                self._senders[server_id] = _Sender(entry, self._report, self._lookup)

    def send(self, entry: LogEntry) -> None:
        for sender in self._senders.values():
            if is_sent(entry.severity, sender.server.severity):
                line = format_line(entry, sender.server.format, self._hostname, self._zone)
                sender.offer(frame(line, sender.server))

    async def send_test(
        self, entry: LogEntry, server: SyslogServer, hostname: str, time_zone: str
    ) -> str:
        line = format_line(entry, server.format, hostname, ZoneInfo(time_zone))
        return await send_once(frame(line, server), server, self._lookup)

    def dropped(self) -> dict[int, int]:
        """Lines each server lost (queue full or delivery failed)."""
        return {server_id: sender.dropped for server_id, sender in self._senders.items()}

    async def close(self) -> None:
        for sender in self._senders.values():
            await sender.stop()
        self._senders.clear()
