from pathlib import Path

import pytest

from actkit_fleet.main import main
from actkit_fleet.nkey import new_user_nkey


def test_hq_conf_writes_every_node_and_an_empty_users_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["hq-conf", "--out", str(tmp_path), "--nodes", "a1,a2"]) == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "a1.conf",
        "a2.conf",
        "prometheus.yml",
        "vehicles.conf",
    ]
    assert "nats-route://a2:6222" in (tmp_path / "a1.conf").read_text()
    assert "wrote a1.conf, a2.conf" in capsys.readouterr().out


def test_a_command_hq_may_not_send_is_refused_before_anything_is_sent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # No server at that address: the refusal comes first.
    code = main(["send", "--server", "nats://127.0.0.1:1", "v1", "accounts.session.create", "{}"])
    assert code == 1
    assert "not a command HQ may send" in capsys.readouterr().err


def test_leaf_conf_writes_the_link_and_says_nats_server_reads_it_at_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_file = tmp_path / "v1.nk"
    seed_file.write_text(new_user_nkey().seed + "\n")
    args = ["leaf-conf", "--conf-dir", str(tmp_path), "--store-dir", str(tmp_path / "nats")]
    link = ["--vehicle-id", "v1", "--hq", "tls://hq:7422", "--seed-file", str(seed_file)]
    assert main(args + link) == 0
    assert "domain: v1" in (tmp_path / "fleet.conf").read_text()
    assert "not running" in capsys.readouterr().out
    assert main([*args, "--off"]) == 0
    assert "No link" in (tmp_path / "fleet.conf").read_text()


def test_a_bad_vehicle_id_is_a_sentence_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_file = tmp_path / "x.nk"
    seed_file.write_text(new_user_nkey().seed)
    args = ["leaf-conf", "--conf-dir", str(tmp_path / "conf"), "--vehicle-id", "a.b"]
    assert main([*args, "--hq", "nats-leaf://hq:7422", "--seed-file", str(seed_file)]) == 1
    assert "vehicle id 'a.b' is not usable" in capsys.readouterr().err
    assert not (tmp_path / "conf").exists()
