"""Links returning together, timed at a real HQ (``python -m actkit_fleet.sim.accountprobe``)."""

from dataclasses import replace
from pathlib import Path

import pytest

from actkit_fleet.sim.accountconf import HQ_NODES, Storm
from actkit_fleet.sim.accountprobe import GIVE_UP_S, Round, main, probe

pytestmark = pytest.mark.timeout(120)

SOURCED = Storm("shared", vehicles=HQ_NODES, relinking=2, rounds=1, is_sourced=True, cut_s=1.0)
"""A storm of 2 relinked vehicles of 3, HQ's shards sourcing them all."""


def _every_link_timed(rounds: list[Round], relinked: int, sourced: int | None) -> None:
    assert [result.relinked for result in rounds] == [relinked]
    (result,) = rounds
    assert result.answered_while_cut == 0  # the cut held
    assert len(result.every_s) == relinked  # every node answered for every vehicle
    assert all(0 < first <= GIVE_UP_S for first in result.first_s)
    assert min(result.every_s) >= min(result.first_s)
    assert result.sources_running == sourced  # HQ heard from every vehicle's source


async def test_vehicles_each_in_an_account_of_their_own_answer_through_the_fleet_account(
    tmp_path: Path,
) -> None:
    # The fleet account reaches each vehicle's JetStream only through its import from the
    # vehicle's account: a wrong import or export and no vehicle would answer at the start.
    rounds = await probe(tmp_path, Storm("own", vehicles=4, relinking=2, rounds=1, cut_s=1.0))
    _every_link_timed(rounds, 2, None)


async def test_a_storm_with_the_shards_the_command_queue_events_and_permissions_is_timed(
    tmp_path: Path,
) -> None:
    storm = replace(SOURCED, has_commands=True, is_restricted=True, rate=2.0, settle_s=1.0)
    _every_link_timed(await probe(tmp_path, storm), 2, HQ_NODES)


async def test_a_storm_after_an_hq_node_is_killed_is_timed_through_the_nodes_left(
    tmp_path: Path,
) -> None:
    # The vehicles linked to the killed node link again to the others and its shards get new
    # leaders before the cut; "every node" is then the two left.
    storm = replace(SOURCED, is_node_down=True, settle_s=0.0)
    _every_link_timed(await probe(tmp_path, storm), 2, HQ_NODES)


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        (["--layout", "own", "--sourced"], "sourcing across accounts is not set up"),
        (["--layout", "own", "--permissions"], "sourcing across accounts is not set up"),
        (["--commands"], "the command queue comes with the shards"),
        (["--rate", "1"], "events played go nowhere without the shards"),
        (["--node-down"], "a node is killed once the shards run"),
        (["--sourced", "--rate", "-1"], "the rate and the settling are at least 0"),
        (["--relinking", "0"], "count at least 1"),
        (["--vehicles", "10", "--relinking", "5", "--rounds", "3"], "too few vehicles"),
        (["--sourced", "--command-replicas", "1"], "the queue's consumers (--commands)"),
        (["--sourced", "--commands", "--command-replicas", "4"], "have 1 to 3 replicas"),
    ],
)
def test_a_storm_that_cannot_be_timed_is_refused_with_the_reason(
    arguments: list[str], reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(arguments)
    assert exited.value.code == 2
    assert reason in capsys.readouterr().err
