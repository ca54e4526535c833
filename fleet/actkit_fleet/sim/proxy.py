"""A TCP proxy for one vehicle's link to HQ, which the simulation cuts and restores.

Cut: the open connections are reset and new ones refused, as a lost cellular link looks to both
ends once TCP gives up. Upstream is the HQ leaf port the proxy was given first; when that one
refuses (a dead HQ node), one of the others at random, as a vehicle given every HQ address picks
one (nats-server shuffles a remote's addresses): with the next one in a fixed order, the node
after the dead one took all of its vehicles, 133 links of 200, and stalled under their
reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

CHUNK = 65_536


@dataclass
class LinkProxy:
    """Listens on ``port`` and forwards each connection to one of ``upstreams`` (host, port)."""

    upstreams: Sequence[tuple[str, int]]
    port: int = 0
    is_cut: bool = False
    restored_at: list[float] = field(default_factory=list)
    """Wall-clock times (s) at which the link came back."""
    _server: asyncio.Server | None = None
    _pumps: set[asyncio.Task[None]] = field(default_factory=set)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    async def start(self) -> None:
        """Start listening (``port=0`` picks one)."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        """The leaf URL a vehicle's remote gives."""
        return f"nats-leaf://127.0.0.1:{self.port}"

    def cut(self) -> None:
        """Reset every connection and refuse new ones until :meth:`restore`."""
        self.is_cut = True
        for writer in list(self._writers):
            sock = writer.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    # A reset, not a polite close: what the far end sees of a dropped link.
                    sock.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                    )
            writer.transport.abort()
        self._writers.clear()

    def restore(self) -> None:
        """Accept connections again."""
        self.is_cut = False
        self.restored_at.append(time.time())

    async def close(self) -> None:
        """Stop listening and drop every connection."""
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._pumps):
            task.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)

    async def _open_upstream(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        first, *others = self.upstreams
        for host, port in [first, *random.sample(others, len(others))]:
            with contextlib.suppress(OSError):
                return await asyncio.open_connection(host, port)
        return None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream = None if self.is_cut else await self._open_upstream()
        if upstream is None or self.is_cut:
            writer.transport.abort()
            if upstream is not None:
                upstream[1].transport.abort()
            return
        up_reader, up_writer = upstream
        self._writers.update((writer, up_writer))
        pumps = [
            asyncio.create_task(self._pump(reader, up_writer)),
            asyncio.create_task(self._pump(up_reader, writer)),
        ]
        self._pumps.update(pumps)
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for pump in pumps:
            pump.cancel()
        for end in (writer, up_writer):
            end.transport.abort()
            self._writers.discard(end)
        self._pumps.difference_update(pumps)

    @staticmethod
    async def _pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, ConnectionError):
            while data := await source.read(CHUNK):
                sink.write(data)
                await sink.drain()
