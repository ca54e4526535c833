"""Syslog listeners for tests: UDP, TCP and TLS on free ports, collecting what arrives."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field

from actkit_core.testing.certificates import CertificateAuthority
from actkit_core.testing.eventually import eventually
from actkit_proto.system import SyslogProtocol


@dataclass
class Listener:
    """Messages received, one per syslog message, framing removed."""

    port: int = 0
    messages: list[str] = field(default_factory=list)
    server: asyncio.AbstractServer | None = None
    transport: asyncio.DatagramTransport | None = None

    async def wait_for(self, count: int, timeout_s: float = 5.0) -> list[str]:
        await eventually(lambda: len(self.messages) >= count, timeout_s=timeout_s)
        return self.messages

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
        if self.transport is not None:
            self.transport.close()


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, listener: Listener) -> None:
        self.listener = listener

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:  # noqa: ARG002
        self.listener.messages.append(data.decode())


async def udp_listener() -> Listener:
    listener = Listener()
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: _Datagrams(listener), local_addr=("127.0.0.1", 0)
    )
    listener.transport = transport
    listener.port = transport.get_extra_info("sockname")[1]
    return listener


async def stream_listener(context: ssl.SSLContext | None = None) -> Listener:
    """Reads octet-counted (``LEN SP MSG``) or newline-ended messages, as they come."""
    listener = Listener()

    async def receive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                first = await reader.read(1)
                if not first:
                    return
                if first.isdigit():
                    length = first + await reader.readuntil(b" ")
                    data = await reader.readexactly(int(length[:-1]))
                else:
                    data = (first + await reader.readuntil(b"\n"))[:-1]
                listener.messages.append(data.decode())
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()

    listener.server = await asyncio.start_server(receive, "127.0.0.1", 0, ssl=context)
    listener.port = listener.server.sockets[0].getsockname()[1]
    return listener


async def protocol_listener(protocol: SyslogProtocol, tls: ssl.SSLContext) -> Listener:
    """A listener of ``protocol``: UDP, TCP, or TLS with the server context ``tls``."""
    if protocol is SyslogProtocol.UDP:
        return await udp_listener()
    return await stream_listener(tls if protocol is SyslogProtocol.TLS else None)


async def untrusted_listener() -> tuple[CertificateAuthority, Listener]:
    """A CA the device is told to trust, and a TLS listener whose CA is another one."""
    other = CertificateAuthority()
    return CertificateAuthority(), await stream_listener(other.server_context("127.0.0.1"))
