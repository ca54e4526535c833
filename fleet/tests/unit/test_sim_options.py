"""The simulation's options: the vehicles' ping set after their link's own, bad ones refused."""

import tempfile
from pathlib import Path

import pytest

from actkit_fleet.leafconf import LeafLink
from actkit_fleet.nkey import new_user_nkey
from actkit_fleet.sim import __main__ as sim_main
from actkit_fleet.sim.__main__ import main
from actkit_fleet.sim.cluster import light_vehicles


def test_a_vehicle_ping_given_is_set_after_the_links_own(tmp_path: Path) -> None:
    [vehicle] = light_vehicles(tmp_path, 1, ping="20s")
    vehicle.write(
        LeafLink(vehicle.vehicle_id, ["nats-leaf://127.0.0.1:7422"], new_user_nkey().seed)
    )
    conf = (vehicle.folder / "nats-server.conf").read_text()
    # nats-server takes a key's last value: the include's 5 s first, then this one.
    assert conf.index("include") < conf.index('ping_interval: "20s"')
    [plain] = light_vehicles(tmp_path / "plain", 1)
    plain.write(LeafLink(plain.vehicle_id, ["nats-leaf://127.0.0.1:7422"], new_user_nkey().seed))
    assert "ping_interval" not in (plain.folder / "nats-server.conf").read_text()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--vehicle-ping", "fast", "'fast' is not a duration like 20s"),
        ("--vehicle-compression", "zip", "invalid choice: 'zip'"),
    ],
)
def test_a_vehicle_option_nats_server_cannot_take_is_refused_before_anything_starts(
    option: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["--vehicles", "4", option, value])
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("is_kept", [True, False])
def test_a_whole_run_keeps_its_logs_only_when_asked(
    is_kept: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "fleet-sim"

    def make_folder(prefix: str) -> str:
        folder.mkdir()
        return str(folder)

    async def whole_run(plan: object, into: Path, *, is_resuming: bool = True) -> bool:
        (into / "resume.log").write_text("a line\n")
        return True

    monkeypatch.setattr(tempfile, "mkdtemp", make_folder)
    monkeypatch.setattr(sim_main, "simulate", whole_run)
    assert sim_main.main(["--vehicles", "4", *(["--keep-logs"] if is_kept else [])]) == 0
    assert (folder / "resume.log").exists() is is_kept
    assert (f"logs are kept in {folder}" in capsys.readouterr().out) is is_kept
