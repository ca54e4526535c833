import math
import time

import pytest

from actkit_fleet.sim.check import Arrival, by_vehicle
from actkit_fleet.sim.figures import SLOWEST_SHOWN, compute, percentile, render, whose
from actkit_fleet.sim.scenario import Plan, Timeline
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


def test_the_table_names_the_cut_vehicles_slowest_to_resume_and_when_the_links_came_back() -> None:
    second = 1_000_000_000
    resumes = {"v1": 0.5, "v2": 1.25, "v3": 2.5, "v4": 0.75, "v5": 1.0}
    timeline = Timeline(started_s=100.0, cut_s=110.0, restored_s=140.25, stopped_s=160.0)
    timeline.cut_ids = list(resumes)
    # Each cut vehicle's first event stored after the links came back, and one of v3's later.
    back = int(timeline.restored_s * second)
    found = [Arrival(vid, 1, back - second, back + int(s * second)) for vid, s in resumes.items()]
    found.append(Arrival("v3", 2, back, back + 3 * second))
    results = by_vehicle(found, {"v1": 1, "v2": 1, "v3": 2, "v4": 1, "v5": 1})
    figures = compute(found, results, timeline, ([], [], 0.0))
    assert figures.slowest == [("v3", 2.5), ("v2", 1.25), ("v5", 1.0)]
    assert len(figures.slowest) == SLOWEST_SHOWN
    table = render(figures, Plan(vehicles=8), timeline, 1.0)
    [row] = [line for line in table.splitlines() if line.strip().startswith("slowest to resume")]
    assert row.split("slowest to resume")[1].strip().startswith("v3 2.50 s, v2 1.25 s, v5 1.00 s;")
    assert row.endswith(
        f"the links came back at {time.strftime('%H:%M:%S', time.localtime(140))}.250"
    )


def test_ages_read_as_a_person_says_them() -> None:
    assert age(None) == "never"
    assert age(3) == "3 s ago"
    assert age(600) == "10 min ago"
