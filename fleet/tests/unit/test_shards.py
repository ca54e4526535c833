"""Vehicles spread over HQ's events shards; which shard holds which vehicle."""

from __future__ import annotations

from typing import Any

import pytest
from nats.aio.client import Client

from actkit_fleet.jetstream import FleetError, JetStreamApi, source_vehicle, uplink_source
from actkit_fleet.shardlock import LOCKS_STREAM
from actkit_fleet.shards import add_vehicles, ensure, placed, placement, vehicle_sources
from actkit_proto.fleet import events_shard, hq_events


def shard(name: str, *vehicle_ids: str, leader: str = "hq1") -> dict[str, Any]:
    sources = [uplink_source(vehicle_id) for vehicle_id in vehicle_ids]
    return {
        "config": {"name": name, "sources": sources},
        "sources": [{**source, "active": 1} for source in sources],
        "cluster": {"leader": leader},
    }


def test_new_vehicles_go_to_the_shards_holding_fewest() -> None:
    infos = [shard("EV_00", "a", "b"), shard("EV_01"), shard("EV_02", "c")]
    assert placement(infos, ["d", "e", "f", "g"]) == {
        "EV_01": ["d", "e"],
        "EV_02": ["f"],
        "EV_00": ["g"],
    }


def test_without_shards_register_says_to_run_setup() -> None:
    with pytest.raises(FleetError, match="run `actkit-fleet setup`"):
        placement([], ["a"])


def test_a_vehicle_is_found_in_its_shard_with_its_own_sources_state() -> None:
    infos = [shard("EV_00", "a", "b", leader="hq2"), shard("EV_01", "c")]
    infos[0]["sources"][1]["active"] = 7
    found = placed(infos)
    assert {vid: (p.shard, p.state["active"], p.leader) for vid, p in found.items()} == {
        "a": ("EV_00", 1, "hq2"),
        "b": ("EV_00", 7, "hq2"),
        "c": ("EV_01", 1, "hq1"),
    }


def test_shards_are_numbered_and_a_vehicles_old_stream_is_none() -> None:
    assert [hq_events(n) for n in (0, 5, 99)] == ["EV_00", "EV_05", "EV_99"]
    assert events_shard("EV_07") == 7
    assert events_shard("EV_ACCC8E000013") is None  # one vehicle's stream, before the shards
    with pytest.raises(ValueError, match="0 to 99"):
        hq_events(100)


class Existing(JetStreamApi):
    """HQ with shards ``EV_00`` to ``EV_03``; what was made or changed is recorded."""

    def __init__(self) -> None:
        super().__init__(Client())  # never connected: every request is answered here
        self.changed: list[str] = []
        self.requested: list[str] = []

    async def streams(self) -> list[dict[str, Any]]:
        return [shard(hq_events(n)) for n in range(4)] + [{"config": {"name": "CMDQ"}}]

    async def ensure_stream(self, config: dict[str, Any]) -> dict[str, Any]:
        self.changed.append(config["name"])
        return {"config": config}

    async def request(
        self, subject: str, payload: bytes, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        del payload, headers  # a shard's lock, free here: taken and given back
        self.requested.append(subject)
        return {"seq": 1}


async def test_setup_adds_shards_but_never_takes_one_holding_vehicles_away() -> None:
    api = Existing()
    with pytest.raises(FleetError, match=r"up to EV_03 already: --shards 2 .* at least 4"):
        await ensure(api, 2, replicas=3)
    with pytest.raises(FleetError, match="1 to 100"):
        await ensure(api, 0, replicas=3)
    assert api.changed == []
    await ensure(api, 6, replicas=3)
    assert api.changed == [LOCKS_STREAM] + [hq_events(n) for n in range(6)]
    # Each shard changed under its lock (taken, then its message deleted).
    assert api.requested[::2] == [f"$KV.fleet_locks.{hq_events(n)}" for n in range(6)]


class Partial(JetStreamApi):
    """A loaded HQ: its stream list leaves out a shard whose leader did not answer in time."""

    def __init__(self) -> None:
        pass

    async def call(self, what: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        assert (what, body) == ("STREAM.LIST", {"offset": 0})
        return {"streams": [shard("EV_00", "a")], "total": 1, "missing": ["EV_01"]}


async def test_a_stream_list_leaving_a_shard_out_is_an_error_not_a_vehicle_less() -> None:
    with pytest.raises(FleetError, match=r"how EV_01 stand .* try again"):
        await vehicle_sources(Partial())


class Sourcing(Existing):
    """HQ whose shards ``EV_00`` and ``EV_01`` hold some vehicles; its updates are kept."""

    def __init__(self, **held: tuple[str, ...]) -> None:
        super().__init__()
        self.shards = {name: shard(name, *vehicle_ids) for name, vehicle_ids in held.items()}
        self.updates: list[tuple[str, list[str | None]]] = []

    async def streams(self) -> list[dict[str, Any]]:
        return list(self.shards.values())

    async def stream(self, name: str) -> dict[str, Any] | None:
        return self.shards.get(name)

    async def call(self, what: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        assert what.startswith("STREAM.UPDATE.") and body is not None
        name = what.removeprefix("STREAM.UPDATE.")
        self.updates.append((name, [source_vehicle(source) for source in body["sources"]]))
        self.shards[name] = shard(name, *(str(source_vehicle(s)) for s in body["sources"]))
        return {"config": body}


async def test_vehicles_linked_first_go_to_the_fewest_and_one_already_held_stays() -> None:
    api = Sourcing(EV_00=("a", "b"), EV_01=("c",))
    assert await add_vehicles(api, ["b", "d", "e", "f"], "first link") == {
        "b": "EV_00",  # added by another change meanwhile: left where it is
        "d": "EV_01",
        "e": "EV_00",
        "f": "EV_01",
    }
    # One update a shard, under its lock, the sources already there kept first.
    assert sorted(api.updates) == [("EV_00", ["a", "b", "e"]), ("EV_01", ["c", "d", "f"])]
    assert await add_vehicles(api, ["a", "d"], "first link") == {"a": "EV_00", "d": "EV_01"}
    assert len(api.updates) == 2  # nothing new: no change
