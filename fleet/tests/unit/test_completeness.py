"""What counts as missing at HQ, from a source's position and the events held."""

import pytest

from actkit_fleet.completeness import Held, held_per_vehicle


@pytest.mark.parametrize(
    ("held", "missing"),
    [
        (Held(read_to=0, first=1, held=0), 0),  # nothing read yet
        (Held(read_to=36, first=1, held=36), 0),
        (Held(read_to=36, first=1, held=35), 1),  # one never stored, wherever it was
        (Held(read_to=36, first=1, held=0), 36),
        (Held(read_to=36, first=30, held=7), 0),  # the shard dropped the first 29 to its limits
        (Held(read_to=36, first=30, held=5), 2),
        (Held(read_to=3, first=1, held=4), 0),  # more than read (read again): none missing
    ],
)
def test_missing_counts_what_the_source_read_and_hq_does_not_hold(held: Held, missing: int) -> None:
    assert held.missing == missing


def test_held_events_are_counted_per_vehicle_from_the_shards_subjects() -> None:
    info = {
        "state": {
            "subjects": {
                "veh.v0001.io.port.1.changed": 3,
                "veh.v0001.io.port.2.changed": 2,
                "veh.v0002.io.port.1.changed": 1,
            }
        }
    }
    assert held_per_vehicle(info) == {"v0001": 5, "v0002": 1}
    assert held_per_vehicle({"state": {}}) == {}
