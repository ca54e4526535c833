"""A stalled source is removed and added again; an add that fails is tried until it holds."""

from __future__ import annotations

from typing import Any

import pytest

from actkit_fleet import resume as resume_module
from actkit_fleet.jetstream import FleetError, JetStreamApi
from actkit_fleet.resume import is_stalled, resume
from actkit_proto.fleet import hq_events

VEHICLE = "v0001"
SOURCE = {"name": "EVENTS", "active": 9_000_000_000}
"""Heard from 9 s ago: stalled."""


class Api(JetStreamApi):
    """HQ's JetStream answering from memory; the first ``failing`` updates that add fail."""

    def __init__(self, failing: int) -> None:
        self.config: dict[str, Any] = {"name": hq_events(VEHICLE), "sources": [SOURCE]}
        self.failing = failing

    async def call(self, what: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        assert what == f"STREAM.UPDATE.{hq_events(VEHICLE)}"
        assert body is not None
        if body["sources"] and self.failing:
            self.failing -= 1
            raise FleetError("JetStream system temporarily unavailable")
        self.config = body
        return {"config": body}

    async def stream(self, name: str) -> dict[str, Any] | None:
        assert name == hq_events(VEHICLE)
        return {"config": self.config, "sources": self.config["sources"]}


@pytest.fixture(autouse=True)
def no_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resume_module, "RETRY_S", 0.0)


def test_a_source_heard_from_lately_is_running_and_one_in_error_is_stalled() -> None:
    assert not is_stalled({"sources": [{"active": 100_000_000}]})
    # Quiet, between two of its consumer's heartbeats (every second): running.
    assert not is_stalled({"sources": [{"active": 1_500_000_000}]})
    assert is_stalled({"sources": [SOURCE]})
    assert is_stalled({"sources": [{"active": 100_000_000, "error": {"code": 503}}]})
    assert is_stalled({"sources": [{}]})


async def test_an_add_that_fails_is_tried_again_so_the_source_is_never_left_out() -> None:
    api = Api(failing=resume_module.ATTEMPTS - 1)
    assert await resume(api, VEHICLE)
    assert api.config["sources"] == [SOURCE]


async def test_when_every_add_fails_the_log_holds_the_configuration_to_put_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = Api(failing=resume_module.ATTEMPTS)
    with pytest.raises(FleetError, match="temporarily unavailable"):
        await resume(api, VEHICLE)
    assert api.config["sources"] == []
    assert f"{hq_events(VEHICLE)} is left without its source" in caplog.text
    assert '"name": "EVENTS"' in caplog.text
