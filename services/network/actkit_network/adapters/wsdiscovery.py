"""WS-Discovery on the board: Hello/Bye multicast and ProbeMatches for Probes, over asyncio UDP."""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import time
from collections import deque

from actkit_network.domain import wsdiscovery
from actkit_network.domain.discovery import DeviceIdentity
from actkit_proto import Unavailable

log = logging.getLogger(__name__)

WSD_GROUP = "239.255.255.250"
_SEEN_PROBES = 32


class _Listener(asyncio.DatagramProtocol):
    def __init__(self, responder: WsDiscoveryResponder) -> None:
        self._responder = responder

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self._responder.received(data, (str(addr[0]), addr[1]))


class WsDiscoveryResponder:
    """While WS-Discovery is on: says Hello, answers matching Probes, says Bye when turned off.

    ``group``/``port`` is the multicast address (239.255.255.250:3702 on the board; another
    port in tests).
    """

    def __init__(self, group: str = WSD_GROUP, port: int = 3702) -> None:
        self._group = group
        self._port = port
        self._identity: DeviceIdentity | None = None
        self._transport: asyncio.DatagramTransport | None = None
        self._sequence = wsdiscovery.Sequence(instance_id=int(time.time()))
        self._answered: deque[str] = deque(maxlen=_SEEN_PROBES)
        self.probes_answered = 0

    async def apply(self, identity: DeviceIdentity | None) -> None:
        """Say Bye for the old identity and, when ``identity`` is set, Hello for the new one."""
        if identity == self._identity:
            return
        await self.close()
        if identity is None:
            return
        loop = asyncio.get_running_loop()
        try:
            listening = self._socket(identity.address)
        except OSError as exc:
            raise Unavailable(f"WS-Discovery cannot answer on {identity.address}: {exc}") from exc
        self._transport, _protocol = await loop.create_datagram_endpoint(
            lambda: _Listener(self), sock=listening
        )
        self._identity = identity
        self._transport.sendto(wsdiscovery.hello(identity, self._sequence), self._destination)

    async def close(self) -> None:
        """Say Bye and stop answering."""
        if self._transport is not None and self._identity is not None:
            goodbye = wsdiscovery.bye(self._identity, self._sequence)
            self._transport.sendto(goodbye, self._destination)
        if self._transport is not None:
            self._transport.close()
        self._transport = None
        self._identity = None

    def received(self, data: bytes, sender: tuple[str, int]) -> None:
        """Answer a Probe the device matches (once per message id), ignore everything else."""
        identity, transport = self._identity, self._transport
        if identity is None or transport is None:
            return
        probe = wsdiscovery.parse_probe(data)
        if probe is None or probe.message_id in self._answered:
            return
        self._answered.append(probe.message_id)
        if not wsdiscovery.matches(probe, identity):
            return
        answer = wsdiscovery.probe_matches(identity, probe, self._sequence)
        # WS-Discovery asks for a random delay of up to 500 ms before a multicast answer.
        delay_s = random.uniform(0, 0.5)
        asyncio.get_running_loop().call_later(delay_s, self._send, answer, sender)
        self.probes_answered += 1

    def _send(self, data: bytes, destination: tuple[str, int]) -> None:
        if self._transport is not None:
            self._transport.sendto(data, destination)

    @property
    def _destination(self) -> tuple[str, int]:
        return (self._group, self._port)

    def _socket(self, address: str) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind(("", self._port))
            interface = socket.inet_aton(address)
            membership = socket.inet_aton(self._group) + interface
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, interface)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)
        return sock
