"""A leader's ask lost in a cut link is the one sent again: sent before the link, unanswered."""

from __future__ import annotations

import json

from nats.aio.client import Client

from actkit_fleet.asks import (
    AWAITED_NS,
    MARGIN_NS,
    RESET_ANSWER_TYPE,
    Asks,
    reset_answer,
    vehicle_of,
)

SECOND_NS = 1_000_000_000
ASK = "$JS.v0001.API.CONSUMER.RESET.EVENTS.up_v0001"


def asks_with_one(seen_ns: int = 10 * SECOND_NS) -> Asks:
    asks = Asks(Client())  # never connected: only its bookkeeping is used
    asks.saw("v0001", ASK, "$JSC.R.first", {"Nats-Required-Api-Level": "5"}, seen_ns)
    return asks


def test_only_a_reset_of_a_vehicles_own_events_consumer_is_an_ask() -> None:
    assert vehicle_of(ASK) == "v0001"
    assert vehicle_of("$JS.v0001.API.CONSUMER.RESET.EVENTS.up_v0002") is None
    assert vehicle_of("$JS.v0001.API.CONSUMER.RESET.COMMANDS.agent") is None
    assert vehicle_of("$JS.hq.API.CONSUMER.RESET.EVENTS.up_hq") is None


def test_an_answer_is_a_reset_response_not_a_no_responders_status() -> None:
    assert reset_answer(json.dumps({"type": RESET_ANSWER_TYPE, "reset_seq": 4}).encode())
    assert reset_answer(b"") is None
    assert (
        reset_answer(json.dumps({"type": "io.nats.jetstream.api.v1.stream_info"}).encode()) is None
    )


def test_an_ask_sent_before_the_link_and_unanswered_is_lost() -> None:
    asks = asks_with_one()
    linked_ns = 11 * SECOND_NS
    lost = asks.lost("v0001", linked_ns, linked_ns)
    assert lost is not None and lost.reply == "$JSC.R.first"
    assert asks.lost("v0002", linked_ns, linked_ns) is None


def test_an_ask_sent_after_the_link_may_arrive_and_is_not_sent_again() -> None:
    asks = asks_with_one(seen_ns=11 * SECOND_NS)
    assert asks.lost("v0001", 10 * SECOND_NS, 11 * SECOND_NS) is None


def test_an_answered_ask_is_not_lost_and_only_its_own_answer_counts() -> None:
    asks = asks_with_one()
    asks.answer("$JSC.R.other", is_ok=True)
    assert asks.lost("v0001", 11 * SECOND_NS, 11 * SECOND_NS) is not None
    asks.answer("$JSC.R.first", is_ok=True)
    assert asks.lost("v0001", 11 * SECOND_NS, 11 * SECOND_NS) is None
    assert asks.last["v0001"].is_ok


def test_a_newer_ask_replaces_the_former_whose_late_answer_is_ignored() -> None:
    asks = asks_with_one()
    asks.saw("v0001", ASK, "$JSC.R.second", None, 12 * SECOND_NS)
    asks.answer("$JSC.R.first", is_ok=True)
    lost = asks.lost("v0001", 13 * SECOND_NS, 13 * SECOND_NS)
    assert lost is not None and lost.reply == "$JSC.R.second"


def test_an_ask_near_its_leaders_deadline_or_sent_again_once_is_left() -> None:
    seen_ns = 10 * SECOND_NS
    asks = asks_with_one(seen_ns)
    late_ns = seen_ns + AWAITED_NS - MARGIN_NS
    assert asks.lost("v0001", seen_ns + 1, late_ns - 1) is not None
    assert asks.lost("v0001", seen_ns + 1, late_ns) is None
    asks.last["v0001"].is_sent_again = True
    assert asks.lost("v0001", seen_ns + 1, seen_ns + 2) is None


def test_an_ask_sent_again_and_seen_again_stays_the_ask_awaited() -> None:
    asks = asks_with_one()
    awaited = asks.last["v0001"]
    asks.saw("v0001", ASK, "$JSC.R.first", None, 12 * SECOND_NS)
    asks.answer("$JSC.R.first", is_ok=True)
    assert asks.last["v0001"] is awaited and awaited.answered.is_set()
