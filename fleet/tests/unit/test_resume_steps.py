"""Stalled sources are removed from their shard and added again; an add that fails is retried."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nats.aio.client import Client

from actkit_fleet import resume as resume_module
from actkit_fleet import stalled
from actkit_fleet.jetstream import FleetError, JetStreamApi, uplink_source
from actkit_fleet.resume import Resumer
from actkit_fleet.stalled import is_stalled, resume

STALLED, RUNNING, ELSEWHERE, LATE = "v0001", "v0002", "v0003", "v0004"
SHARD, OTHER_SHARD = "EV_00", "EV_01"
STALE_NS, FRESH_NS = 9_000_000_000, 100_000_000
"""Heard from 9 s ago (stalled), and a tenth of a second ago."""


def state(vehicle_id: str, active_ns: int) -> dict[str, Any]:
    return {**uplink_source(vehicle_id), "active": active_ns}


class Api(JetStreamApi):
    """HQ's JetStream answering from memory; the first ``failing`` updates that add fail."""

    def __init__(self, failing: int) -> None:
        super().__init__(Client())  # never connected: every request is answered here
        self.configs: dict[str, dict[str, Any]] = {
            SHARD: {"name": SHARD, "sources": [uplink_source(STALLED), uplink_source(RUNNING)]},
            OTHER_SHARD: {"name": OTHER_SHARD, "sources": [uplink_source(ELSEWHERE)]},
        }
        self.active = {STALLED: STALE_NS, RUNNING: FRESH_NS, ELSEWHERE: STALE_NS}
        self.failing = failing
        self.updates: list[tuple[str, list[str]]] = []
        self.takes: list[str] = []
        """The shards whose lock was taken, in order."""
        self.held: dict[int, str] = {}
        self.reads = 0
        self.gates: dict[str, asyncio.Event] = {}
        """A shard whose lock another writer holds until its gate is set."""
        self.waiting: set[str] = set()

    @property
    def locked(self) -> set[str]:
        return set(self.held.values())

    def info(self, name: str) -> dict[str, Any]:
        config = self.configs[name]
        sources = [
            {**source, "active": self.active[source["external"]["api"].split(".")[1]]}
            for source in config["sources"]
        ]
        return {"config": config, "sources": sources}

    async def call(self, what: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        if what == "STREAM.LIST":
            return {"streams": [self.info(name) for name in self.configs], "total": 2}
        name = what.removeprefix("STREAM.UPDATE.")
        assert name in self.configs and body is not None
        assert name in self.locked, f"{name} updated without its lock"
        if len(body["sources"]) > len(self.configs[name]["sources"]) and self.failing:
            self.failing -= 1
            raise FleetError("JetStream system temporarily unavailable")
        self.configs[name] = body
        self.updates.append((name, [s["external"]["api"] for s in body["sources"]]))
        return {"config": body}

    async def stream(self, name: str) -> dict[str, Any] | None:
        self.reads += 1
        return self.info(name)

    async def request(
        self, subject: str, payload: bytes, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """A shard's lock taken (a message stored if absent) or given back (deleted)."""
        if headers:
            shard = subject.rpartition(".")[2]
            if shard in self.gates:
                self.waiting.add(shard)
                await self.gates[shard].wait()
            self.takes.append(shard)
            self.held[len(self.takes)] = shard
            return {"seq": len(self.takes)}
        del self.held[json.loads(payload)["seq"]]
        return {}


async def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10.0
    while not condition():
        assert time.monotonic() < deadline, f"never {what}"
        await asyncio.sleep(0.01)


@pytest.fixture(autouse=True)
def no_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stalled, "RETRY_S", 0.0)
    monkeypatch.setattr(resume_module, "GRACE_S", 0.0)


def test_a_source_heard_from_lately_is_running_and_one_in_error_is_stalled() -> None:
    assert not is_stalled({"active": 100_000_000})
    # Quiet, between two of its consumer's heartbeats (every second): running.
    assert not is_stalled({"active": 1_500_000_000})
    assert is_stalled({"active": STALE_NS})
    assert is_stalled({"active": 100_000_000, "error": {"code": 503}})
    assert is_stalled({})


def test_a_source_heard_from_since_its_link_came_back_is_running_however_long_ago() -> None:
    # Linked again 10 s ago and heard from 9 s ago: running, on a loaded HQ's slow heartbeats.
    assert not is_stalled({"active": STALE_NS}, linked_for_ns=10_000_000_000)
    # Linked again a moment ago, silent for the 9 s before: stalled by the outage.
    assert is_stalled({"active": STALE_NS}, linked_for_ns=200_000_000)


async def test_a_source_heard_from_since_its_link_returned_is_left_alone() -> None:
    api = Api(failing=0)
    assert await resume(api, {STALLED: 10_000_000_000}) == []
    assert api.updates == []


async def test_only_the_stalled_source_asked_for_leaves_its_shard_and_comes_back() -> None:
    api = Api(failing=0)
    # ELSEWHERE is stalled too, but its link did not come back: it is not asked for.
    assert await resume(api, {STALLED: 0, RUNNING: 0}) == [STALLED]
    assert api.updates == [
        (SHARD, [f"$JS.{RUNNING}.API"]),
        (SHARD, [f"$JS.{RUNNING}.API", f"$JS.{STALLED}.API"]),
    ]
    assert not api.locked  # every lock given back
    assert api.configs[SHARD]["sources"] == [uplink_source(RUNNING), uplink_source(STALLED)]


async def test_an_add_that_fails_is_tried_again_so_the_source_is_never_left_out() -> None:
    api = Api(failing=stalled.ATTEMPTS - 1)
    assert await resume(api, {STALLED: 0}) == [STALLED]
    assert uplink_source(STALLED) in api.configs[SHARD]["sources"]


async def test_when_every_add_fails_the_log_holds_the_sources_to_put_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = Api(failing=stalled.ATTEMPTS)
    with pytest.raises(FleetError, match="temporarily unavailable"):
        await resume(api, {STALLED: 0})
    assert api.configs[SHARD]["sources"] == [uplink_source(RUNNING)]
    assert f"{SHARD} is left without the sources of {STALLED}" in caplog.text
    assert f'"api": "$JS.{STALLED}.API"' in caplog.text


async def test_a_shard_is_read_once_and_changed_twice_under_one_hold_of_its_lock() -> None:
    api = Api(failing=0)
    assert await resume(api, {STALLED: 0, ELSEWHERE: 0}) == [STALLED, ELSEWHERE]
    # Each shard: one take of its lock and one read, for its removal and its addition.
    assert sorted(api.takes) == [SHARD, OTHER_SHARD]
    assert api.reads == 2
    assert [name for name, _ in api.updates].count(SHARD) == 2


async def test_vehicles_noticed_while_their_shard_waits_for_its_lock_go_in_its_change() -> None:
    api = Api(failing=0)
    api.configs[SHARD]["sources"].append(uplink_source(LATE))
    api.active[LATE] = STALE_NS
    api.gates[SHARD] = asyncio.Event()  # another writer holds the shard
    resumer = Resumer(Client(), api)
    resumer._notice(STALLED, time.monotonic_ns())
    await until(lambda: SHARD in api.waiting, "waited for the shard's lock")
    resumer._notice(LATE, time.monotonic_ns())
    await until(lambda: LATE in resumer.noticed, "noticed the second vehicle")
    api.gates[SHARD].set()
    await until(lambda: resumer.resumed == 2, "set both up again")
    # Both in one removal and one addition.
    assert api.updates == [
        (SHARD, [f"$JS.{RUNNING}.API"]),
        (SHARD, [f"$JS.{RUNNING}.API", f"$JS.{STALLED}.API", f"$JS.{LATE}.API"]),
    ]


async def test_a_shard_is_changed_without_waiting_for_another_shards_change() -> None:
    api = Api(failing=0)
    api.gates[SHARD] = asyncio.Event()
    resumer = Resumer(Client(), api)
    resumer._notice(STALLED, time.monotonic_ns())
    await until(lambda: SHARD in api.waiting, "waited for the shard's lock")
    resumer._notice(ELSEWHERE, time.monotonic_ns())
    await until(lambda: resumer.resumed == 1, "set up the other shard's vehicle again")
    assert [name for name, _ in api.updates] == [OTHER_SHARD, OTHER_SHARD]
    api.gates[SHARD].set()
    await until(lambda: resumer.resumed == 2, "set up the first vehicle again")


class SetUpApi(Api):
    """HQ whose shard's leader sets STALLED's source up again as ``set_ups`` tells, one a set-up:
    ``lost`` (its ask lost: never heard from), ``stops`` (heard from once, then silent), or
    ``flows`` (heard from at every look); after the last, as the last."""

    def __init__(self, *set_ups: str) -> None:
        super().__init__(failing=0)
        self.plan = list(set_ups)
        self.set_ups = 0
        self.heard_ns: int | None = None

    def behaviour(self) -> str:
        return self.plan[min(self.set_ups, len(self.plan)) - 1]

    async def call(self, what: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        answer = await super().call(what, body)
        if what.startswith("STREAM.UPDATE.") and uplink_source(STALLED) in body_sources(body):
            self.set_ups += 1  # its addition: set up again
            self.heard_ns = None if self.behaviour() == "lost" else time.monotonic_ns()
        return answer

    def info(self, name: str) -> dict[str, Any]:
        if self.set_ups and self.heard_ns is not None and self.behaviour() == "flows":
            self.heard_ns = time.monotonic_ns()
        if self.set_ups:
            heard = self.heard_ns
            self.active[STALLED] = -1 if heard is None else time.monotonic_ns() - heard
        return super().info(name)


def body_sources(body: dict[str, Any] | None) -> list[dict[str, Any]]:
    return list((body or {}).get("sources") or [])


@pytest.fixture
def watched_briefly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resume_module, "WATCH_S", 0.01)
    monkeypatch.setattr(resume_module, "SET_UP_NS", 50_000_000)
    monkeypatch.setattr(resume_module, "SILENT_NS", 50_000_000)
    monkeypatch.setattr(resume_module, "WATCHED_NS", 2_000_000_000)


async def set_ups_for(api: SetUpApi) -> Resumer:
    """The resumer, once it set STALLED up again and stopped looking at it."""
    resumer = Resumer(Client(), api)
    resumer._notice(STALLED, time.monotonic_ns())
    await until(lambda: resumer.resumed > 0 and not resumer._tasks, "stopped looking at it")
    assert not api.locked
    return resumer


@pytest.mark.usefixtures("watched_briefly")
async def test_a_source_flowing_after_its_set_up_is_set_up_once() -> None:
    api = SetUpApi("flows")
    await set_ups_for(api)
    assert api.set_ups == 1


@pytest.mark.usefixtures("watched_briefly")
async def test_a_source_unheard_from_after_its_set_up_is_set_up_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=resume_module.__name__)
    api = SetUpApi("lost", "flows")
    resumer = await set_ups_for(api)
    assert f"{STALLED}: its source unheard from" in caplog.text
    assert (api.set_ups, resumer.resumed) == (2, 2)
    assert [name for name, _ in api.updates] == [SHARD] * 4


@pytest.mark.usefixtures("watched_briefly")
async def test_a_source_heard_from_then_silent_after_its_set_up_is_set_up_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=resume_module.__name__)
    api = SetUpApi("stops", "flows")
    await set_ups_for(api)
    assert api.set_ups == 2
    # Heard from by its leader before the shard's lock was given back: heard all the same.
    assert f"{STALLED}: its source heard from, then silent" in caplog.text


@pytest.mark.usefixtures("watched_briefly")
async def test_a_source_silent_after_every_set_up_is_left_to_nats_server(
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = SetUpApi("lost", "stops")
    await set_ups_for(api)
    assert api.set_ups == resume_module.SET_UPS
    assert f"{STALLED}: its source still silent, left to nats-server" in caplog.text


class NewLeaderApi(Api):
    """HQ whose shards' leader was elected at ``elected`` (wall clock); updates timed."""

    def __init__(self, elected: datetime) -> None:
        super().__init__(failing=0)
        self.elected = elected
        self.updated_at: list[datetime] = []

    def info(self, name: str) -> dict[str, Any]:
        return {**super().info(name), "cluster": {"leader_since": self.elected.isoformat()}}

    async def call(self, what: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        if what.startswith("STREAM.UPDATE."):
            self.updated_at.append(datetime.now(UTC))
        return await super().call(what, body)


def test_a_leader_is_left_to_settle_for_as_long_as_its_own_set_ups_may_be_answered() -> None:
    now = datetime.now(UTC)
    assert stalled.settling_s({"cluster": {"leader_since": now.isoformat()}}) == pytest.approx(
        stalled.SETTLING_S, abs=0.5
    )
    settled = (now - timedelta(seconds=stalled.SETTLING_S + 1)).isoformat()
    assert stalled.settling_s({"cluster": {"leader_since": settled}}) == 0.0
    naive = now.replace(tzinfo=None).isoformat()
    assert stalled.settling_s({"cluster": {"leader_since": naive}}) > 0.0
    ahead = (now + timedelta(hours=1)).isoformat()  # the node's clock an hour ahead
    assert stalled.settling_s({"cluster": {"leader_since": ahead}}) == stalled.SETTLING_S
    for cluster in ({}, {"leader_since": None}, {"leader_since": "yesterday"}):
        assert stalled.settling_s({"cluster": cluster}) == 0.0  # one server: nothing to wait for
    assert stalled.settling_s({}) == 0.0


async def test_a_new_leaders_sources_are_set_up_again_only_once_it_has_settled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stalled, "SETTLING_S", 0.3)
    elected = datetime.now(UTC)
    api = NewLeaderApi(elected)
    resumer = Resumer(Client(), api)
    resumer._notice(STALLED, time.monotonic_ns())
    await until(lambda: resumer.resumed == 1, "set it up again")
    assert [name for name, _ in api.updates] == [SHARD, SHARD]
    assert min(api.updated_at) - elected >= timedelta(seconds=0.3)
    assert api.reads >= 2  # read once too early, nothing changed; then read again
    assert not api.locked


async def test_a_new_leader_is_named_when_a_resume_is_asked_of_it() -> None:
    api = NewLeaderApi(datetime.now(UTC))
    with pytest.raises(stalled.NewLeader, match=f"{SHARD}'s leader was elected less than"):
        await resume(api, {STALLED: 0})
    assert api.updates == []
    assert not api.locked
