"""An HQ node's monitoring read as Prometheus metrics, with a vehicle linked."""

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from actkit_fleet.exporter import HqNodeCollector
from actkit_fleet.sim.fleet import SimFleet

pytestmark = pytest.mark.timeout(120)


def scrape(url: str) -> str:
    registry = CollectorRegistry()
    registry.register(HqNodeCollector(url))
    return generate_latest(registry).decode()


def value(text: str, name: str) -> float:
    return float(next(line for line in text.splitlines() if line.startswith(name + " ")).split()[1])


async def test_a_node_says_which_vehicles_it_links_and_a_dead_one_says_it_is_down(
    fleet: SimFleet,
) -> None:
    texts = [scrape(f"http://127.0.0.1:{node.http_port}") for node in fleet.hq.nodes]
    assert all("actkit_hq_up 1.0" in text for text in texts)
    # Pooled: several route connections to each of the two other nodes.
    assert all(value(text, "actkit_hq_routes") >= 2 for text in texts)
    linked = [line for text in texts for line in text.splitlines() if "_vehicle_linked{" in line]
    assert sorted(linked) == sorted(
        f'actkit_hq_vehicle_linked{{vehicle="{sim.vehicle_id}"}} 1.0' for sim in fleet.vehicles
    )
    assert "actkit_hq_in_msgs_total" in texts[0]

    fleet.hq.kill(fleet.hq.nodes[0].name)
    dead = scrape(f"http://127.0.0.1:{fleet.hq.nodes[0].http_port}")
    assert "actkit_hq_up 0.0" in dead
    assert "actkit_hq_connections" not in dead
