"""Waiting until nats-server has read what a connection sent: a subscription is then in place.

nats-py's ``flush()`` writes its PING to the socket at once, ahead of the commands its writer
task has not written yet: a SUB, UNSUB or PUB sent just before. The PONG can then come back
before the server has read them, and a message another connection publishes next can miss a
subscription thought to be in place (or reach one thought gone).
"""

from __future__ import annotations

from nats.aio.client import Client


async def settled(client: Client) -> None:
    """Return once nats-server has read everything ``client`` sent before the call.

    The first round trip gives the writer task its turn (it was woken before the PING went
    out), so the second PING follows those commands on the wire, and its PONG comes after them.
    """
    await client.flush()
    await client.flush()
