"""The VAPIX event stream over RTSP: port events as ONVIF metadata in RTP datagrams.

Clients (the ``axis`` library, Home Assistant) DESCRIBE, SETUP and PLAY
``/axis-media/media.amp?...event=on``; after PLAY they get one ``Initialized`` event per port,
then ``Changed`` on every change, each one complete XML document in one RTP/UDP datagram.
Clients authenticate with Digest (MD5, ``qop=auth``, checked by the accounts service) or Basic,
as the device's authentication setting allows. The ``axis`` library's RTSP client answers Digest
without ``qop`` (RFC 2069), which the device does not accept, and it takes Digest whenever it is
offered: so it is offered Basic only, by its user agent. A connection that answers a challenge
wrongly three times is closed, so a client with a wrong password cannot spin on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime

from actkit_core.bus import Publisher
from actkit_proto.accounts import Identity, VerifyBasic, VerifyDigest
from actkit_proto.base import Actor
from actkit_proto.errors import BusError
from actkit_proto.io import ListPorts, Port, PortChanged
from actkit_web.http.auth import decode_basic, fitted, offer
from actkit_web.http.feed import PortFeed
from actkit_web.vapix.port_events import event_document

log = logging.getLogger(__name__)

SESSION_TIMEOUT_S = 60
PAYLOAD_TYPE = 98
MAX_REQUEST_BYTES = 8192
MAX_WRONG_ANSWERS = 3
"""Wrong credentials on one connection before it is closed."""
DIGEST_WITHOUT_QOP_AGENTS = frozenset({"HASS Axis"})
"""User agents whose Digest answer lacks ``qop`` (the ``axis`` library): offered Basic only."""
_CLIENT_PORT = re.compile(r"client_port=(\d+)(?:-(\d+))?")


@dataclass
class _Request:
    method: str
    url: str
    headers: dict[str, str]

    @property
    def cseq(self) -> str:
        return self.headers.get("cseq", "0")


@dataclass
class _Stream:
    """One client's RTP destination and its sequence counter."""

    transport: asyncio.DatagramTransport
    ssrc: int = field(default_factory=lambda: secrets.randbits(32))
    sequence: int = 0

    def send(self, document: str) -> None:
        self.sequence = (self.sequence + 1) & 0xFFFF
        timestamp = int(datetime.now(UTC).timestamp() * 90_000) & 0xFFFFFFFF
        # V=2, no padding/extension/CSRC; marker set: each datagram is one whole message.
        header = struct.pack(
            "!BBHII", 0x80, 0x80 | PAYLOAD_TYPE, self.sequence, timestamp, self.ssrc
        )
        self.transport.sendto(header + document.encode())


class RtspEventServer:
    """Serves the event stream to each client that authenticates as a viewer or above."""

    def __init__(self, bus: Publisher, feed: PortFeed, realm: str, timeout_s: float) -> None:
        self.bus = bus
        self.feed = feed
        self.realm = realm
        self.timeout_s = timeout_s
        self.sessions = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername") or ("", 0)
        identity: Identity | None = None
        session_id = secrets.token_hex(8)
        client_port = 0
        wrong_answers = 0
        sender: asyncio.Task[None] | None = None
        try:
            while request := await _read_request(reader):
                status, headers, body = "200 OK", [f"CSeq: {request.cseq}"], ""
                if request.method == "OPTIONS":
                    headers.append("Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN")
                elif identity is None and request.method in ("DESCRIBE", "SETUP", "PLAY"):
                    identity = await self._authenticate(request, peer[0])
                    if identity is None:
                        status = "401 Unauthorized"
                        headers += await self._challenge(request, peer[0])
                        wrong_answers += "authorization" in request.headers
                if status.startswith("200") and request.method == "DESCRIBE":
                    body = _sdp(request.url)
                    headers += [
                        f"Content-Base: {request.url}",
                        "Content-Type: application/sdp",
                        f"Content-Length: {len(body)}",
                    ]
                elif status.startswith("200") and request.method == "SETUP":
                    found = _CLIENT_PORT.search(request.headers.get("transport", ""))
                    if found is None:
                        status = "461 Unsupported Transport"
                    else:
                        client_port = int(found.group(1))
                        headers += [
                            f"Transport: RTP/AVP;unicast;client_port={found.group(0)[12:]}",
                            f"Session: {session_id};timeout={SESSION_TIMEOUT_S}",
                        ]
                elif status.startswith("200") and request.method == "PLAY":
                    if not client_port:
                        status = "455 Method Not Valid in This State"
                    else:
                        headers.append(f"Session: {session_id}")
                        assert identity is not None
                        actor = Actor(name=identity.name, role=identity.role)
                        if sender is None:
                            sender = asyncio.create_task(
                                self._send_events(peer[0], client_port, actor)
                            )
                elif request.method == "TEARDOWN":
                    headers.append(f"Session: {session_id}")
                elif request.method not in ("OPTIONS", "DESCRIBE"):
                    status = "501 Not Implemented" if status.startswith("200") else status
                # Clients read each answer in one read: send it in one write.
                head = "".join(f"{header}\r\n" for header in headers)
                writer.write(f"RTSP/1.0 {status}\r\n{head}\r\n{body}".encode())
                await writer.drain()
                if request.method == "TEARDOWN" or wrong_answers >= MAX_WRONG_ANSWERS:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            if sender is not None:
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sender
            writer.close()

    async def _authenticate(self, request: _Request, address: str) -> Identity | None:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        try:
            if scheme.lower() == "basic":
                name, password = decode_basic(credentials)
                basic = fitted(
                    VerifyBasic, name=name, password=password, client_address=address, page="rtsp"
                )
                return await self.bus.request(basic, self.timeout_s)
            if scheme.lower() == "digest":
                digest = fitted(
                    VerifyDigest,
                    method=request.method,
                    authorization=credentials,
                    client_address=address,
                    page="rtsp",
                )
                return await self.bus.request(digest, self.timeout_s)
        except BusError as exc:
            log.info("RTSP client %s refused: %s", address, exc.message)
        return None

    async def _challenge(self, request: _Request, address: str) -> list[str]:
        """``WWW-Authenticate`` lines: Digest first, then Basic, as the setting allows.

        The Digest line has realm, then nonce, then ``stale=``: the order Axis clients parse.
        """
        try:
            offered = await offer(self.bus, address, self.timeout_s)
        except BusError as exc:
            log.warning("RTSP cannot challenge %s: %s", address, exc.message)
            return [f'WWW-Authenticate: Basic realm="{self.realm}"']
        lines = []
        digest = offered.digest
        lacks_qop = request.headers.get("user-agent", "") in DIGEST_WITHOUT_QOP_AGENTS
        if digest is not None and not (lacks_qop and offered.allows_basic):
            lines.append(
                f'WWW-Authenticate: Digest realm="{digest.realm}", nonce="{digest.nonce}", '
                f'algorithm={offered.digest_algorithm}, qop="{digest.qop}", '
                f'opaque="{digest.opaque}", stale=FALSE'
            )
        if offered.allows_basic:
            realm = digest.realm if digest is not None else self.realm
            lines.append(f'WWW-Authenticate: Basic realm="{realm}"')
        return lines

    async def _send_events(self, host: str, port: int, actor: Actor) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            asyncio.DatagramProtocol, remote_addr=(host, port)
        )
        stream = _Stream(transport)
        self.sessions += 1
        try:
            async with self.feed.subscription() as queue:
                ports = {
                    p.port_id: p
                    for p in (await self.bus.request(ListPorts(actor=actor), self.timeout_s)).ports
                }
                for known in ports.values():
                    stream.send(event_document(known, "Initialized", _now()))
                while True:
                    event = await queue.get()
                    changed = ports.get(event.port_id)
                    if changed is not None:
                        ports[event.port_id] = _apply(changed, event)
                        stream.send(event_document(ports[event.port_id], "Changed", _now()))
        except BusError as exc:
            log.warning("event stream to %s stopped: %s", host, exc.message)
        finally:
            self.sessions -= 1
            transport.close()


def _apply(port: Port, event: PortChanged) -> Port:
    return port.model_copy(update={"is_active": event.is_active, "circuit": event.circuit})


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _sdp(url: str) -> str:
    return (
        "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=actkit events\r\nt=0 0\r\n"
        "m=application 0 RTP/AVP 98\r\n"
        "a=rtpmap:98 vnd.onvif.metadata/90000\r\n"
        f"a=control:{url.split('?')[0]}/stream=0\r\n"
    )


async def _read_request(reader: asyncio.StreamReader) -> _Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError:
        raise ValueError("request too long") from None
    lines = head.decode("utf-8", errors="replace").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        raise ValueError(f"not an RTSP request line: {lines[0]!r}")
    headers = {}
    for line in lines[1:]:
        name, separator, value = line.partition(":")
        if separator:
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    if length:
        await reader.readexactly(min(length, MAX_REQUEST_BYTES))
    return _Request(parts[0], parts[1], headers)
