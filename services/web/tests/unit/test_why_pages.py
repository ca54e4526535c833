"""Why didn't it fire: a rule's trace and event log on its page and in REST; the beacons sent
and heard on the BLE page; the ignition and the status LED on Accessories (stand-in owners)."""

from __future__ import annotations

import html as html_lib
import re

import httpx
import pytest

from ..conftest import basic
from ..fake_events import FakeEvents


def _text(html: str, element_id: str) -> str:
    """The text of the element with ``element_id``, tags removed, spaces folded."""
    found = re.search(rf'<(\w+) [^>]*id="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert found is not None, element_id
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", found.group(2))).split())


async def test_a_rules_page_says_which_condition_does_not_hold_and_why(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    page = await client.get("/events/rules/1", headers=basic("view"))
    assert page.status_code == 200, page.text
    assert _text(page.text, "trace-reason") == "Not active: condition 1 does not hold (value: off)."
    assert _text(page.text, "trace-condition-1") == "condition 1 off No: does not hold (value: off)"
    assert _text(page.text, "trace-wait") == "00:00:05"
    assert _text(page.text, "trace-last-activation") == "2026-03-01 08:00:00"
    assert _text(page.text, "trace-last-failure") == (
        "Output while the rule is active at 2026-03-01 08:00:05 UTC: "
        "port 2 is an input; only outputs can be set, pulsed or held"
    )
    log = _text(page.text, "event-log-entries")
    assert "Window open: every condition holds" in log
    assert "Other: edited" not in log  # another rule's


async def test_the_rules_event_log_is_filtered_by_time_on_its_page(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    page = await client.get(
        "/events/rules/1",
        params={"since": "2026-03-01T08:00:01", "until": "2026-03-01T23:00"},
        headers=basic("view"),
    )
    log = _text(page.text, "event-log-entries")
    assert "port 2 is an input; only outputs can be set, pulsed or held" in log
    assert "every condition holds" not in log and "value: off" not in log


@pytest.mark.parametrize(
    ("query", "sentence"),
    [
        ({"since": "yesterday"}, "'yesterday' is not a date and time (YYYY-MM-DDTHH:MM)"),
        ({"limit": "0"}, "limit: Input should be greater than or equal to 1"),
    ],
)
async def test_a_log_filter_that_does_not_read_is_a_sentence_beside_it(
    client: httpx.AsyncClient, events: FakeEvents, query: dict[str, str], sentence: str
) -> None:
    page = await client.get("/events/rules/1", params=query, headers=basic("view"))
    assert page.status_code == 200
    assert _text(page.text, "event-log-error") == sentence
    assert 'id="event-log-entries"' not in page.text
    assert _text(page.text, "trace-reason").startswith("Not active")


async def test_rest_answers_the_trace_and_the_log_filtered_by_rule_and_time(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    trace = await client.get("/api/v1/rules/1/trace", headers=basic("view"))
    assert trace.status_code == 200
    assert trace.json()["conditions"][0]["verdict"] == "does not hold (value: off)"
    assert trace.json()["last_failure"]["error"] == (
        "port 2 is an input; only outputs can be set, pulsed or held"
    )
    log = await client.get(
        "/api/v1/event-log",
        params={"rule_id": "1", "until": "2026-03-01T12:00:00Z"},
        headers=basic("view"),
    )
    assert [entry["kind"] for entry in log.json()["entries"]] == ["activated", "action_failed"]
    missing = await client.get("/api/v1/rules/9/trace", headers=basic("view"))
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "query",
    [{"rule": "1"}, {"rule_id": "0"}, {"limit": "10001"}, {"since": "soon"}],
)
async def test_an_event_log_query_that_does_not_read_is_a_422(
    client: httpx.AsyncClient, events: FakeEvents, query: dict[str, str]
) -> None:
    answer = await client.get("/api/v1/event-log", params=query, headers=basic("view"))
    assert answer.status_code == 422, answer.text


async def test_the_ble_page_lists_the_beacons_sent_and_heard(client: httpx.AsyncClient) -> None:
    page = await client.get("/system/ble", headers=basic("view"))
    assert page.status_code == 200, page.text
    assert _text(page.text, "broadcast-4242") == "4242 1 (lightbar active) 7 rule:1"
    assert _text(page.text, "received-77") == "77 1 3 -61 dBm 0.4 s ago"
    assert "System IDs listened for (the settings' and the rules'): 77, 78." in page.text
    sent = await client.get("/api/v1/ble/broadcasts", headers=basic("view"))
    assert sent.json()["broadcasts"][0]["system_id"] == 4242
    heard = await client.get("/api/v1/ble/beacons", headers=basic("view"))
    assert heard.json()["beacons"][0]["rssi_dbm"] == -61


async def test_accessories_shows_the_ignition_and_the_led(
    client: httpx.AsyncClient, fake_bus: object
) -> None:
    page = await client.get("/accessories", headers=basic("view"))
    assert _text(page.text, "ignition-state") == "Not reported yet"
    assert _text(page.text, "led-state") == "Amber, flashing (every 500 ms)"
    led = await client.get("/api/v1/led", headers=basic("view"))
    assert led.json() == {"colour": "amber", "pattern": "flash", "count": None, "period_ms": 500}
    ignition = await client.get("/api/v1/ignition", headers=basic("view"))
    assert ignition.json() == {"is_on": None}


async def test_status_links_upgrade_and_ntp_and_sums_up_the_owners_findings(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/status", headers=basic("view"))
    assert 'href="/maintenance#upgrade" id="upgrade-link"' in page.text
    assert 'href="/system/time#time" id="ntp-link"' in page.text
    assert _text(page.text, "hardening-https") == (
        "HTTPS HTTP and HTTPS Allow access through HTTPS only (System > Network > HTTP and HTTPS):"
        " over HTTP, passwords and settings travel unencrypted."
    )
    assert _text(page.text, "hardening-brute-force-protection") == (
        "Brute-force protection on Nothing to change"
    )
    assert _text(page.text, "hardening-silent") == "Not answering, so not in the summary: mqtt."
    assert _text(page.text, "clients-role").startswith("Administrators see which clients")
    summary = await client.get("/api/v1/status/security", headers=basic("view"))
    assert summary.json()["silent"] == ["mqtt"]


async def test_an_administrator_sees_the_clients_connected_to_the_services(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/status", headers=basic("admin"))
    assert 'id="clients-details"' in page.text
    assert re.search(r'id="clients-count">\d+ connection', page.text)
    listed = await client.get("/api/v1/status/clients", headers=basic("admin"))
    assert listed.status_code == 200 and listed.json()["silent"] == []
    refused = await client.get("/api/v1/status/clients", headers=basic("view"))
    assert refused.status_code == 403
