from pathlib import Path

from actkit_core.natsconf import permissions, render, service_subjects
from actkit_proto.services import service

ROOT = Path(__file__).parents[2]


def test_checked_in_nats_conf_is_up_to_date() -> None:
    assert (ROOT / "deploy/nats-server.conf").read_text() == render(), "run `make nats-conf`"


def test_a_service_may_use_its_own_and_its_peers_subjects_only() -> None:
    assert service_subjects(service("io")) == ["io.>", "sim.io.>"]
    events = service_subjects(service("events"))
    assert "io.>" in events
    assert "accounts.>" not in events


def test_services_answer_requests_without_publishing_to_every_inbox() -> None:
    perms = permissions(service("io"), "actkit-state")
    assert perms["allow_responses"] is True
    assert "_INBOX.>" not in perms["publish"]["allow"]  # type: ignore[index]


def test_internal_commands_are_denied_to_everyone_but_their_sender_and_owner() -> None:
    conf = render()
    web = permissions(service("web"), "actkit-state")
    system = permissions(service("system"), "actkit-state")
    assert "deny" not in web["publish"]  # type: ignore[operator]
    assert "accounts.certificate.web.identity" in system["publish"]["deny"]  # type: ignore[index]
    assert conf.count("accounts.certificate.web.identity") >= 2


def test_a_corrupt_credentials_file_stops_start_up_with_a_sentence(tmp_path: Path) -> None:
    import pytest

    from actkit_core.cli.supervisor import credentials

    (tmp_path / "nats-credentials.json").write_text("{not json")
    with pytest.raises(SystemExit, match="is not valid JSON: restore it, or delete it"):
        credentials(tmp_path)
    assert (tmp_path / "nats-credentials.json").read_text() == "{not json"


def test_credentials_are_made_once_and_kept(tmp_path: Path) -> None:
    from actkit_core.cli.supervisor import credentials

    first = credentials(tmp_path)
    assert all(password.isalnum() and password[0].isalpha() for password in first.values())
    assert credentials(tmp_path) == first
