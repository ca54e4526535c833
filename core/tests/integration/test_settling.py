"""``settled``: a subscription is in place at nats-server once it returns (a real server)."""

from collections.abc import Iterable

import nats
import pytest
from nats.aio.msg import Msg

from actkit_core.settling import settled

pytestmark = pytest.mark.integration


async def _ignore(_msg: Msg) -> None:
    pass


async def test_the_ping_whose_answer_it_waits_for_goes_out_after_the_subscription(
    nats_server: str,
) -> None:
    client = await nats.connect(nats_server)
    try:
        written: list[bytes] = []
        transport = client._transport
        assert transport is not None
        write, writelines = transport.write, transport.writelines

        def recorded_write(data: bytes) -> None:
            written.append(bytes(data))
            write(data)

        def recorded_writelines(chunks: Iterable[bytes]) -> None:
            chunks = list(chunks)
            written.extend(bytes(chunk) for chunk in chunks)
            writelines(chunks)

        transport.write = recorded_write  # type: ignore[method-assign,assignment]
        transport.writelines = recorded_writelines  # type: ignore[method-assign,assignment]
        await client.subscribe("actkit.settling", cb=_ignore)
        await settled(client)

        commands = [line.split(b" ")[0] for line in b"".join(written).split(b"\r\n") if line]
        assert b"SUB" in commands
        # nats-py's own flush() writes its PING ahead of the SUB: its PONG proves nothing.
        assert b"PING" in commands[commands.index(b"SUB") :], commands
    finally:
        await client.close()
