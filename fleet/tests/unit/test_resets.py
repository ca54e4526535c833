"""A source whose leader's reset was in flight at its link's return waits for that reset."""

from __future__ import annotations

from actkit_fleet.resets import (
    AWAITED_NS,
    HELD_NS,
    MARGIN_NS,
    RACED_NS,
    SETTLE_NS,
    Reset,
    Step,
    decide,
    in_flight,
    is_raced,
    vehicle_of,
)

S = 1_000_000_000


def test_a_reset_sent_before_the_link_and_unanswered_is_in_flight_at_its_return() -> None:
    assert in_flight(Reset("r", seen_ns=10 * S), at_ns=12 * S)
    assert not in_flight(Reset("r", seen_ns=10 * S), at_ns=16 * S)  # its leader stopped waiting
    assert not in_flight(Reset("r", seen_ns=13 * S), at_ns=12 * S)  # sent since
    assert not in_flight(Reset("r", seen_ns=10 * S, answered_ns=11 * S), at_ns=12 * S)
    assert not in_flight(None, at_ns=12 * S)


def test_a_lost_reset_is_waited_for_only_when_it_times_out_before_a_set_up_is_answered() -> None:
    sent = Reset("r", seen_ns=10 * S)
    timeout_ns = 10 * S + AWAITED_NS
    assert is_raced(sent, now_ns=timeout_ns - RACED_NS + 1)
    assert is_raced(sent, now_ns=timeout_ns + 1)  # timed out: nats-server's own retry is next
    assert not is_raced(sent, now_ns=timeout_ns - RACED_NS)


def test_a_source_is_set_up_again_only_once_its_reset_failed_or_was_answered() -> None:
    linked = 12 * S
    sent = Reset("r", seen_ns=10 * S)
    # Awaited by its leader: waited for, until it times out.
    assert decide(sent, linked, linked) == (Step.WAIT, 10 * S + AWAITED_NS + MARGIN_NS)
    assert decide(sent, linked, 10 * S + AWAITED_NS + MARGIN_NS) == (Step.SET_UP, 16 * S)
    # Answered with an error: at once.
    failed = Reset("r", seen_ns=10 * S, answered_ns=13 * S, is_ok=False)
    assert decide(failed, linked, 13 * S) == (Step.SET_UP, 13 * S)
    # Answered: whether something of it was stored is looked at a moment after.
    answered = Reset("r", seen_ns=10 * S, answered_ns=13 * S, is_ok=True)
    assert decide(answered, linked, 13 * S) == (Step.WAIT, 13 * S + SETTLE_NS)
    assert decide(answered, linked, 13 * S + SETTLE_NS) == (Step.LOOK, 13 * S + SETTLE_NS)
    # Held at most so long after the link.
    assert decide(sent, linked, linked + HELD_NS) == (Step.SET_UP, linked + HELD_NS)


def test_only_a_reset_of_a_vehicles_events_consumer_is_watched() -> None:
    assert vehicle_of("$JS.v0001.API.CONSUMER.RESET.EVENTS.up_v0001") == "v0001"
    assert vehicle_of("$JS.v0001.API.CONSUMER.RESET.EVENTS.up_v0002") is None
    assert vehicle_of("$JS.v0001.API.CONSUMER.RESET.COMMANDS.up_v0001") is None
