import math

import pytest

from actkit_fleet.sim.check import Arrival, by_vehicle
from actkit_fleet.sim.figures import percentile, whose
from actkit_fleet.view import age, checked_command
from actkit_proto.errors import Invalid
from actkit_proto.io import PulsePort


def test_a_command_hq_may_send_is_validated_from_its_subject_and_json() -> None:
    assert checked_command("io.port.9.pulse", '{"duration_ms": 500}') == PulsePort(
        port_id=9, duration_ms=500
    )


@pytest.mark.parametrize(
    ("subject", "payload", "message"),
    [
        ("accounts.session.create", "{}", "not a command HQ may send"),
        ("sim.io.port.1.drive", "{}", "not a command HQ may send"),
        ("io.port.9.pulse", '{"duration_ms": 0}', "duration_ms"),
        ("io.port.9.pulse", "not json", "JSON"),
    ],
)
def test_a_command_hq_may_not_send_or_a_bad_payload_is_refused(
    subject: str, payload: str, message: str
) -> None:
    with pytest.raises(Invalid, match=message):
        checked_command(subject, payload)


def arrival(vehicle_id: str, seq: int) -> Arrival:
    return Arrival(vehicle_id, seq, sent_ns=0, stored_ns=0)


def test_losses_duplicates_and_disorder_are_counted_per_vehicle() -> None:
    found = [
        arrival("v1", 1),
        arrival("v1", 3),
        arrival("v1", 3),
        arrival("v2", 2),
        arrival("v2", 1),
    ]
    results = by_vehicle(found, {"v1": 3, "v2": 2, "v3": 1})
    assert (results["v1"].lost, results["v1"].duplicated, results["v1"].is_in_order) == (
        1,
        1,
        False,
    )
    assert (results["v2"].lost, results["v2"].is_in_order) == (0, False)
    assert results["v3"].lost == 1
    assert (results["v1"].lost_seqs, results["v3"].lost_seqs) == ([2], [1])


def test_a_loss_names_the_vehicles_and_their_events() -> None:
    assert whose({"v0142": [1], "v0149": [1, 5]}) == "v0142: 1; v0149: 1, 5"
    many = {f"v{n:04d}": list(range(1, 8)) for n in range(1, 8)}
    assert whose(many, shown=2) == (
        "v0001: 1, 2 and 5 more; v0002: 1, 2 and 5 more; 5 more vehicles"
    )


def test_an_event_from_an_unknown_vehicle_is_reported_too() -> None:
    assert by_vehicle([arrival("v9", 1)], {})["v9"].seqs == [1]


def test_percentiles_are_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert math.isnan(percentile([], 0.5))


def test_ages_read_as_a_person_says_them() -> None:
    assert age(None) == "never"
    assert age(3) == "3 s ago"
    assert age(600) == "10 min ago"
