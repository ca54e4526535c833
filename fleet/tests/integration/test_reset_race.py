"""nats-server's races around a source's set-up (``python -m actkit_fleet.sim.resetrace``,
``sim.setuprace``), against a real nats-server."""

from pathlib import Path

from actkit_core.natsserver import NatsServer
from actkit_fleet.sim.resetrace import count
from actkit_fleet.sim.setuprace import Outcome, monitored_server, set_up_twice


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


async def _set_up_twice(folder: Path, delay_s: float) -> Outcome:
    folder.mkdir()
    server, monitor_url = monitored_server(folder)
    await server.start_async()
    try:
        return await set_up_twice(server.url, monitor_url, delay_s, 0.5)
    finally:
        server.stop()


async def test_a_source_set_up_again_while_its_answer_is_late_keeps_a_second_subscription(
    tmp_path: Path,
) -> None:
    # Answered at once: the removal and the addition leave the one subscription.
    assert await _set_up_twice(tmp_path / "at-once", 0.0) == Outcome(resets=2, subscriptions=1)
    # The first answer after the addition: nats-server 2.15.1 keeps both. When this fails, the
    # server no longer does it: fleet/README.md says it does.
    assert await _set_up_twice(tmp_path / "late", 1.0) == Outcome(resets=2, subscriptions=2)
