import pytest

from actkit_proto import fleet
from actkit_proto.fleet import InvalidVehicleId, check_vehicle_id


@pytest.mark.parametrize("vehicle_id", ["", "hq", "a.b", "a b", "-a", "x" * 33, "v>", "v*"])
def test_a_vehicle_id_that_cannot_be_a_domain_or_token_is_refused_with_a_sentence(
    vehicle_id: str,
) -> None:
    with pytest.raises(InvalidVehicleId, match="1 to 32 letters, digits"):
        check_vehicle_id(vehicle_id)


def test_every_name_of_a_vehicle_carries_its_id() -> None:
    assert fleet.vehicle_prefix("v1") == "veh.v1"
    assert fleet.live_command_prefix("v1") == "veh.v1.cmd"
    assert fleet.queued_command_prefix("v1") == "veh.v1.cmdq"
    assert fleet.uplink_deliver("v1") == "dlv.v1.up"
    assert fleet.uplink_consumer("v1") == "up_v1"
    assert fleet.downlink_deliver("v1") == "dlv.v1.down"
    assert fleet.downlink_consumer("v1") == "cmd_v1"
    assert fleet.js_api("v1") == "$JS.v1.API"


def test_the_vehicle_events_are_the_lent_events_without_overlaps() -> None:
    subjects = fleet.event_subjects()
    assert "io.port.*.changed" in subjects
    assert not [subject for subject in subjects if subject.startswith("sim.")]
    assert not [subject for subject in subjects if subject.endswith(".log.recorded")]
    assert set(fleet.stateful_event_subjects()) < set(subjects)
    assert "io.button.pressed" not in fleet.stateful_event_subjects()


def test_hq_may_send_the_lent_commands_only() -> None:
    commands = fleet.command_subjects()
    assert "io.port.*.pulse" in commands
    assert "accounts.session.create" not in commands
    assert not [subject for subject in commands if subject.startswith("sim.")]


@pytest.mark.parametrize(
    ("pattern", "subject", "covered"),
    [
        ("a.*", "a.b", True),
        ("a.>", "a.b.c", True),
        ("a.>", "a", False),
        ("a.*", "a.b.c", False),
        ("a.b", "a.c", False),
        ("*.log.recorded", "io.log.recorded", True),
    ],
)
def test_a_pattern_covers_the_subjects_it_matches(
    pattern: str, subject: str, covered: bool
) -> None:
    assert fleet._covers(pattern, subject) is covered


def test_covered_patterns_are_left_out() -> None:
    assert fleet._without_covered({"a.>", "a.b", "c.*"}) == ["a.>", "c.*"]


def test_wildcards_are_numbered_from_the_first_given() -> None:
    assert fleet.numbered_wildcards("a.*.b.*", first=2) == "a.{{wildcard(2)}}.b.{{wildcard(3)}}"
