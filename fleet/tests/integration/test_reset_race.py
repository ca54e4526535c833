"""The reset race counter (``python -m actkit_fleet.sim.resetrace``) against a real nats-server."""

from pathlib import Path

from actkit_core.natsserver import NatsServer
from actkit_fleet.sim.resetrace import count


async def test_it_resets_a_consumer_as_the_vehicles_and_counts_the_answers(tmp_path: Path) -> None:
    server = NatsServer(tmp_path)
    await server.start_async()
    try:
        found = await count(server.url, events=20, resets=30)
    finally:
        server.stop()
    assert found.resets == 30
    assert 0 <= found.past <= 30
    assert 0 <= found.worst <= 20
    assert (found.past == 0) == (found.worst == 0)
