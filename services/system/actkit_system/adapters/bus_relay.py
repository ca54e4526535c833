"""The bus for apps under ``actkit run``: a relay on the apps network's gateway to nats-server.

``actkit run``'s nats-server listens on the host's loopback only, and apps' containers reach
the host at their network's gateway alone: there this relays each connection to nats-server,
byte for byte (nats-server still checks the app's user). On the board nats-server is in the
apps' network itself and no relay runs.
"""

from __future__ import annotations

import asyncio
import contextlib

from actkit_system.ports import EngineError


class BusRelay:
    """Connections accepted on the gateway, each piped to nats-server at ``target``."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    async def listen(self, host: str, port: int) -> None:
        """Accept apps' connections on ``host:port`` (once; later calls change nothing).

        Raises:
            EngineError: the address cannot be listened on (the network has no such gateway).
        """
        if self._server is not None:
            return
        try:
            self._server = await asyncio.start_server(self._relay, host, port)
        except OSError as exc:
            raise EngineError(
                f"the bus cannot be offered to apps at {host}:{port}: {exc}"
            ) from None

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        to_server = asyncio.create_task(_pipe(reader, upstream_writer))
        to_app = asyncio.create_task(_pipe(upstream_reader, writer))
        pipes = (to_server, to_app)
        self._pipes.update(pipes)
        try:
            # An app that has said all it will (its half closed) still hears the server out:
            # the connection ends when nats-server's side ends, as it would without the relay.
            await to_app
        finally:
            for pipe in pipes:
                pipe.cancel()
                self._pipes.discard(pipe)
            for side in (writer, upstream_writer):
                side.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for pipe in list(self._pipes):
                pipe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._server.wait_closed()
            self._server = None


class NoRelay:
    """The board's (nats-server is in the apps' network) and the simulated engine's."""

    async def listen(self, host: str, port: int) -> None:
        """Nothing to offer: apps reach nats-server themselves."""

    async def close(self) -> None:
        """Nothing to let go of."""


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Bytes from ``reader`` to ``writer`` until the reader's end, which is passed on as such."""
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
