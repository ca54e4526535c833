from pathlib import Path

import pytest

from actkit_core.natsconf import (
    INTEGRATOR_JS_API,
    app_permissions,
    integrator_exports,
    permissions,
    render,
    render_app_users,
)
from actkit_proto.base import INTEGRATOR_ROLE, Command
from actkit_proto.catalog import commands, events
from actkit_proto.services import SERVICES, service

ROOT = Path(__file__).parents[2]
BUCKET = "actkit-state"


def test_checked_in_nats_conf_is_up_to_date() -> None:
    conf = render(has_fleet_link=True, has_app_users=True)
    assert (ROOT / "deploy/nats-server.conf").read_text() == conf, "run `make nats-conf`"


def allowed(user: str, kind: str) -> list[str]:
    return permissions(service(user), BUCKET)[kind]["allow"]  # type: ignore[index]


@pytest.mark.parametrize("command", commands(), ids=lambda command: command.__name__)
def test_a_command_is_served_by_its_owner_alone(command: type[Command]) -> None:  # type: ignore[type-arg]
    pattern = command.subject_pattern(service="io")
    owner = "io" if "{service}" in command.subject else command.owner()
    subscribers = [info.name for info in SERVICES if pattern in allowed(info.name, "subscribe")]
    assert subscribers == [owner]


def test_an_event_is_published_by_its_owner_and_read_by_who_talks_to_it() -> None:
    publishers = [
        info.name for info in SERVICES if "io.port.*.changed" in allowed(info.name, "publish")
    ]
    readers = [
        info.name for info in SERVICES if "io.port.*.changed" in allowed(info.name, "subscribe")
    ]
    assert publishers == ["io"]
    assert readers == ["io", "events", "mqtt", "ble", "network", "system", "web"]
    assert "$KV.actkit-state.io.port.*.changed" in allowed("io", "publish")
    assert "$KV.actkit-state.io.port.*.changed" not in allowed("events", "publish")


def test_a_service_that_watches_another_reads_its_events_and_sends_none_of_its_commands() -> None:
    assert "io.port.*.changed" in allowed("ble", "subscribe")
    assert not [subject for subject in allowed("ble", "publish") if subject.startswith("io.")]


def test_each_user_reads_its_own_replies_only() -> None:
    for info in SERVICES:
        inboxes = [subject for subject in allowed(info.name, "subscribe") if "INBOX" in subject]
        assert inboxes == [f"_INBOX_{info.name}.>"]
    assert permissions(service("io"), BUCKET)["allow_responses"] is True


def test_sign_in_goes_from_web_to_accounts_only() -> None:
    senders = [
        info.name for info in SERVICES if "accounts.auth.basic" in allowed(info.name, "publish")
    ]
    assert senders == ["web"]
    assert "accounts.certificate.web.identity" in allowed("web", "publish")
    assert "accounts.certificate.web.identity" not in allowed("system", "publish")


def test_only_network_asks_system_to_reload_nats_server_and_runs_hqs_queued_commands() -> None:
    reloaders = [
        info.name for info in SERVICES if "system.bus.reload" in allowed(info.name, "publish")
    ]
    assert reloaders == ["network"]
    agents = [
        info.name
        for info in SERVICES
        if "$JS.API.CONSUMER.MSG.NEXT.CMD_IN.agent" in allowed(info.name, "publish")
    ]
    assert agents == ["network"]
    assert "$JS.ACK.CMD_IN.agent.>" in allowed("network", "publish")


def test_nobody_but_cli_may_delete_purge_or_change_the_state_bucket() -> None:
    for info in SERVICES:
        management = [s for s in allowed(info.name, "publish") if s.startswith("$JS.API.STREAM.")]
        bucket = [s for s in management if s.split(".")[-1].startswith("KV_")]
        assert all(s.split(".")[3] in {"INFO", "MSG", "CREATE"} for s in bucket), bucket
        others = {s.split(".")[-1] for s in management} - {f"KV_{BUCKET}"}
        # The network service makes the vehicle's streams for HQ (the cloud connection).
        assert others <= ({"EVENTS", "CMD_IN"} if info.name == "network" else set()), others
    assert "cli, password: $ACTKIT_NATS_PASSWORD_CLI}" in render()


def test_the_integrator_is_lent_events_operator_commands_discovery_and_state_reads() -> None:
    lent = {subject: kind for kind, subject in integrator_exports(BUCKET)}
    assert lent["io.port.*.changed"] == "stream"
    assert lent["io.port.*.set"] == "service"
    assert lent["io.params.set"] == "service"
    assert lent["$SRV.*"] == "service"
    for subject in ("accounts.account.add", "accounts.auth.basic", "sim.io.port.*.drive"):
        assert subject not in lent
    assert "system.log.recorded" not in lent
    commands_lent = [c for c in commands() if c.subject_pattern(service="io") in lent]
    assert all(c.required_role <= INTEGRATOR_ROLE and not c.internal_for for c in commands_lent)
    assert len([e for e in events() if e.subject_pattern(service="io") in lent]) > 20
    conf = render()
    assert f'to: "{INTEGRATOR_JS_API}.STREAM.INFO.KV_actkit-state"' in conf
    assert '{service: "$SRV.*", accounts: [INTEGRATOR, APPS], response_type: stream}' in conf


def test_an_apps_user_has_the_approved_subjects_its_settings_and_its_replies() -> None:
    perms = app_permissions("trip-log", ["io.port.*.set"], ["io.port.*.changed"])
    assert perms == {
        "publish": {
            "allow": [f"{INTEGRATOR_JS_API}.STREAM.MSG.GET.KV_actkit-state", "io.port.*.set"]
        },
        "subscribe": {
            "allow": [
                "_INBOX_app-trip-log.>",
                "io.port.*.changed",
                "system.app.trip-log.settings.changed",
            ]
        },
    }
    users = render_app_users([("trip-log", "k123", perms)])
    assert users.startswith("# The apps' NATS users")
    assert '{user: "app-trip-log", password: "k123", permissions: {"publish"' in users
    assert render_app_users([]) == ""
    conf = render(has_app_users=True)
    assert conf.index('    include "apps-users.conf"') > conf.index("  APPS {")
    assert 'include "apps-users.conf"' not in render()


def test_a_service_answers_on_the_inboxes_not_only_by_allowed_responses() -> None:
    # nats-server forgets the allowed responses on a reload: an answer on its way would be lost.
    for info in SERVICES:
        assert {"_INBOX_web.>", "_INBOX_cli.>", "_R_.>"} <= set(allowed(info.name, "publish"))


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


def test_a_fleet_link_is_included_at_the_top_and_in_the_integrators_account() -> None:
    conf = render(has_fleet_link=True)
    # HQ's live commands cross from the integrator's account: capped at the integrator's role.
    assert conf.index('    include "fleet-account.conf"') > conf.index("  INTEGRATOR {")
    assert conf.endswith('include "fleet.conf"\n')
    assert "include" not in render()
