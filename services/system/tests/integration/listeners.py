"""Syslog listeners for tests: UDP, TCP and TLS on free ports, collecting what arrives."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Listener:
    """Messages received, one per syslog message, framing removed."""

    port: int = 0
    messages: list[str] = field(default_factory=list)
    server: asyncio.AbstractServer | None = None
    transport: asyncio.DatagramTransport | None = None

    async def wait_for(self, count: int, timeout_s: float = 5.0) -> list[str]:
        async def arrived() -> None:
            while len(self.messages) < count:
                await asyncio.sleep(0.01)

        await asyncio.wait_for(arrived(), timeout_s)
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


@dataclass(frozen=True)
class Certificates:
    ca_pem: str
    server_context: ssl.SSLContext


def make_certificates(folder: Path) -> Certificates:
    """A CA and a server certificate for 127.0.0.1 signed by it."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "actkit test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_file = folder / "server.pem"
    key_file = folder / "server.key"
    cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return Certificates(ca.public_bytes(serialization.Encoding.PEM).decode(), context)


async def untrusted_listener(folder: Path) -> tuple[Certificates, Listener]:
    """Certificates the device is told to trust, and a TLS listener whose CA is another one."""
    trusted = make_certificates(folder)
    (folder / "other").mkdir()
    other = make_certificates(folder / "other")
    return trusted, await stream_listener(other.server_context)
