"""The simulation's wait for HQ's JetStream: short asks first, longer ones as they fail."""

from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from nats.aio.client import Client
from nats.errors import TimeoutError as NatsTimeout

from actkit_fleet import jetstream
from actkit_fleet.sim import cluster
from actkit_fleet.sim.cluster import API_TIMEOUT_S, FIRST_ASK_S, until_jetstream


@dataclass
class Reply:
    data: bytes


@dataclass
class ElectingHq:
    """A cluster whose JetStream answers nothing to its first ``silent`` asks."""

    silent: int
    timeouts: list[float] = field(default_factory=list)

    async def request(self, subject: str, _payload: bytes, timeout: float, **_: Any) -> Reply:
        assert subject == "$JS.API.INFO"
        self.timeouts.append(timeout)
        if len(self.timeouts) <= self.silent:
            raise NatsTimeout
        return Reply(b"{}")


@pytest.fixture(autouse=True)
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cluster, "ASK_PAUSE_S", 0.0)
    monkeypatch.setattr(jetstream, "RETRY_PAUSE_S", 0.0)


async def test_an_election_is_asked_through_briefly_then_longer_as_asks_fail() -> None:
    hq = ElectingHq(silent=jetstream.ATTEMPTS + 1)  # the first call's tries, one of the second's
    api = await until_jetstream(cast(Client, hq), ask_timeout_s=15.0)
    first_call = [FIRST_ASK_S] * jetstream.ATTEMPTS
    assert hq.timeouts == [*first_call, 2 * FIRST_ASK_S, 2 * FIRST_ASK_S]
    assert api.timeout_s == API_TIMEOUT_S


async def test_an_ask_never_waits_longer_than_asked() -> None:
    hq = ElectingHq(silent=3 * jetstream.ATTEMPTS)
    await until_jetstream(cast(Client, hq), ask_timeout_s=0.7)
    assert max(hq.timeouts) == 0.7
