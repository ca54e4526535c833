"""A link's proxy goes to its first HQ node, and when that one is dead to any of the others."""

import asyncio
from collections import Counter

from actkit_fleet.sim.cluster import free_ports
from actkit_fleet.sim.proxy import LinkProxy


async def test_a_dead_first_node_spreads_the_links_over_the_others() -> None:
    dead, *alive = free_ports(3)
    taken: Counter[int] = Counter()
    servers = []
    for port in alive:

        async def accept(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int = port
        ) -> None:
            taken[port] += 1
            writer.write(b"hello")
            await writer.drain()
            writer.close()

        servers.append(await asyncio.start_server(accept, "127.0.0.1", port))
    proxy = LinkProxy([("127.0.0.1", port) for port in (dead, *alive)])
    await proxy.start()
    try:
        for _ in range(40):
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            assert await reader.read(5) == b"hello"
            writer.close()
    finally:
        await proxy.close()
        for server in servers:
            server.close()
            await server.wait_closed()
    # Each of the two live nodes takes some (40 links all on one: 2 in 10^12).
    assert sorted(taken) == sorted(alive)
    assert sum(taken.values()) == 40
