"""Logs, Plain config and Maintenance pages and their REST routes, against a stand-in system."""

from __future__ import annotations

import html
import json

import httpx
from fastapi import FastAPI

from actkit_proto.system import (
    MaintenanceAction,
    NetworkTraceStage,
    NetworkTraceStatus,
    Severity,
    SyslogFormat,
    SyslogProtocol,
    SyslogServer,
    UpgradeStage,
    UpgradeStatus,
)
from actkit_web.pages.maintenance import render_progress

from ..conftest import basic, log_in
from ..fake_maintenance import PCAP, FakeSystem


def _text(response: httpx.Response) -> str:
    return html.unescape(response.text)


async def test_the_logs_page_passes_its_filters_to_the_system_log(
    client: httpx.AsyncClient, system: FakeSystem
) -> None:
    await log_in(client, "view")
    page = await client.get(
        "/system/logs",
        params={"service": "mqtt", "min_severity": "warning", "since": "2026-11-24T10:00"},
    )
    assert page.status_code == 200
    query = system.log_queries[-1]
    assert query.services == ["mqtt"]
    assert query.min_severity is Severity.WARNING
    assert query.since is not None and query.since.isoformat() == "2026-11-24T10:00:00+00:00"
    assert "broker refused the connection" in page.text
    assert "port 3 circuit cut" not in page.text
    assert 'id="system-log-count">1 of 1 matching lines.' in page.text
    assert 'id="access-log"' not in page.text  # accounts and their addresses: administrators'
    assert "mallory" not in page.text
    bad = await client.get("/system/logs", params={"since": "yesterday"})
    assert bad.status_code == 400
    assert "'yesterday' is not a date and time" in _text(bad)


async def test_the_access_log_is_shown_to_administrators(client: httpx.AsyncClient) -> None:
    await log_in(client)
    page = await client.get("/system/logs")
    assert 'id="access-log"' in page.text
    assert "mallory" in page.text


async def test_a_syslog_server_is_added_and_its_refusal_shown_next_to_the_host(
    client: httpx.AsyncClient, system: FakeSystem
) -> None:
    csrf = await log_in(client)
    refused = await client.post(
        "/system/logs/syslog-servers", data={"csrf_token": csrf, "host": "not a host"}
    )
    assert refused.status_code == 400
    assert "id=\"syslog-host-error\">'not a host' is neither an IP address" in _text(refused)
    wrong_port = await client.post(
        "/system/logs/syslog-servers", data={"csrf_token": csrf, "host": "h", "port": "99999"}
    )
    assert 'id="syslog-port-error">Input should be less than or equal to 65535' in wrong_port.text
    added = await client.post(
        "/system/logs/syslog-servers",
        data={"csrf_token": csrf, "host": "siem.example", "protocol": "tcp", "severity": "error"},
    )
    assert added.status_code == 303
    assert system.servers[2].server.host == "siem.example"
    assert system.servers[2].server.severity is Severity.ERROR
    await client.post("/system/logs/syslog-servers/1/delete", data={"csrf_token": csrf})
    assert set(system.servers) == {2}
    gone = await client.post("/system/logs/syslog-servers/1/delete", data={"csrf_token": csrf})
    assert "no remote syslog server 1" in gone.text
    listed = await client.get("/api/v1/logs/syslog-servers", headers=basic("view"))
    assert [entry["server"]["host"] for entry in listed.json()["servers"]] == ["siem.example"]


async def test_a_typed_syslog_server_is_tested_and_the_answer_shown_with_the_form_kept(
    client: httpx.AsyncClient, system: FakeSystem
) -> None:
    csrf = await log_in(client)
    ca = "isrg-root-x1"
    typed = {
        "csrf_token": csrf,
        "host": " siem.example ",
        "protocol": "tls",
        "port": "6515",
        "format": "axis",
        "severity": "error",
        "ca_certificate": ca,
    }
    sent = await client.post("/system/logs/syslog-servers/test", data=typed)
    assert sent.status_code == 200
    assert system.tested[-1] == SyslogServer(
        host="siem.example",
        protocol=SyslogProtocol.TLS,
        port=6515,
        format=SyslogFormat.AXIS,
        severity=Severity.ERROR,
        ca_certificate=ca,
    )
    assert (
        '<p role="status" id="syslog-test-result">Sent: Connected to siem.example:6515 (TCP), '
        "wrote it.</p>"
    ) in _text(sent)
    # Tested, not added; the form still holds what was typed.
    assert set(system.servers) == {1}
    assert 'id="syslog-host" name="host" maxlength="253" required value=" siem.example "' in (
        sent.text
    )
    assert '<option value="tls" selected>' in sent.text
    assert 'id="syslog-port" name="port" inputmode="numeric" value="6515"' in sent.text
    assert '<option value="axis" selected>' in sent.text
    assert '<option value="error" selected>' in sent.text
    assert f'<option value="{ca}" selected>' in sent.text
    failed = await client.post(
        "/system/logs/syslog-servers/test", data={**typed, "protocol": "tcp", "port": "9"}
    )
    assert failed.status_code == 200
    assert (
        '<p class="error" role="alert" id="syslog-test-result">Failed: Not sent: '
        "siem.example:9 refused the connection; check the port.</p>"
    ) in _text(failed)
    assert '<option value="tcp" selected>' in failed.text
    refused = await client.post(
        "/system/logs/syslog-servers/test", data={"csrf_token": csrf, "host": "not a host"}
    )
    assert refused.status_code == 400
    assert "id=\"syslog-host-error\">'not a host' is neither an IP address" in _text(refused)
    assert 'value="not a host"' in refused.text
    wrong_port = await client.post(
        "/system/logs/syslog-servers/test", data={"csrf_token": csrf, "host": "h", "port": "x"}
    )
    assert wrong_port.status_code == 400
    assert 'id="syslog-port-error">Input should be a valid integer' in wrong_port.text
    assert len(system.tested) == 2
    rest = await client.post(
        "/api/v1/logs/syslog-servers/test",
        json={"host": "logs.example", "port": 9, "protocol": "tcp"},
        headers=basic("admin"),
    )
    assert rest.status_code == 200
    assert rest.json() == {
        "is_ok": False,
        "answer": "Not sent: logs.example:9 refused the connection; check the port.",
    }


async def test_plain_config_is_grouped_and_editable_per_the_callers_role(
    client: httpx.AsyncClient, system: FakeSystem
) -> None:
    await log_in(client, "op")
    page = await client.get("/system/plain-config")
    assert (
        '<form method="post" action="/system/plain-config" class="card params" id="param-IOPort"'
        in page.text
    )
    # An operator may rename a port but not change the time zone; nobody writes the model.
    assert 'id="param-IOPort-I1-Name" name="IOPort.I1.Name" value="Input 1"  >' in page.text
    assert 'id="param-Time-TimeZone" name="Time.TimeZone" value="UTC"  readonly>' in page.text
    assert 'id="param-Brand-ProdNbr" name="Brand.ProdNbr" value="AXIS W401"  readonly>' in page.text
    one_group = await client.get("/system/plain-config", params={"group": "Power"})
    assert "Power.DelayMin" in one_group.text
    assert "IOPort.I1.Name" not in one_group.text


async def test_a_changed_parameter_is_set_and_the_owners_error_shown_next_to_it(
    client: httpx.AsyncClient, system: FakeSystem
) -> None:
    csrf = await log_in(client)
    refused = await client.post(
        "/system/plain-config",
        data={"csrf_token": csrf, "section": "Power", "Power.DelayMin": "90"},
    )
    assert refused.status_code == 400
    assert "id=\"param-Power-DelayMin-error\">must be at most 60, got '90'" in _text(refused)
    assert 'value="90"' in refused.text
    assert system.parameters.stored["Power.DelayMin"] == 5
    saved = await client.post(
        "/system/plain-config",
        data={"csrf_token": csrf, "section": "Power", "Power.DelayMin": "15"},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/system/plain-config#param-Power"
    assert system.parameters.stored["Power.DelayMin"] == 15
    api = await client.patch(
        "/api/v1/config",
        json={"values": {"Time.TimeZone": "Europe/Stockholm"}},
        headers=basic("admin"),
    )
    assert api.json()["parameters"][0]["value"] == "Europe/Stockholm"


async def test_a_parameter_above_the_callers_role_is_refused_next_to_it(
    client: httpx.AsyncClient, system: FakeSystem
) -> None:
    csrf = await log_in(client, "op")
    refused = await client.post(
        "/system/plain-config",
        data={"csrf_token": csrf, "section": "Time", "Time.TimeZone": "Europe/Oslo"},
    )
    assert refused.status_code == 403
    assert 'id="config-error">op is operator' in refused.text
    assert 'id="param-Time-TimeZone-error">Time.TimeZone needs administrator' in refused.text
    assert system.parameters.stored["Time.TimeZone"] == "UTC"
    viewer = await client.patch(
        "/api/v1/config", json={"values": {"IOPort.I1.Name": "Door"}}, headers=basic("view")
    )
    assert viewer.status_code == 403


async def test_factory_default_asks_for_confirmation_first(
    client: httpx.AsyncClient, system: FakeSystem
) -> None:
    csrf = await log_in(client)
    asked = await client.post("/maintenance/factory-default", data={"csrf_token": csrf})
    assert asked.status_code == 200
    assert 'id="confirm-question">Go back to factory default?' in asked.text
    assert "the status LED is amber meanwhile and turns green" in asked.text
    assert system.actions == []
    done = await client.post(
        "/maintenance/factory-default", data={"csrf_token": csrf, "confirmed": "true"}
    )
    assert 'id="maintenance-done">Factory default.' in done.text
    assert system.actions == [MaintenanceAction.FACTORY_DEFAULT]
    unknown = await client.post("/maintenance/reboot", data={"csrf_token": csrf})
    assert unknown.status_code == 404
    viewer = await client.post("/api/v1/maintenance/restart", headers=basic("view"))
    assert viewer.status_code == 403
    assert system.actions == [MaintenanceAction.FACTORY_DEFAULT]


async def test_an_uploaded_bundle_starts_the_upgrade_or_says_why_not(
    client: httpx.AsyncClient, system: FakeSystem
) -> None:
    csrf = await log_in(client)

    async def upload(content: bytes, mode: str = "standard") -> httpx.Response:
        return await client.post(
            "/maintenance/upgrade",
            data={"csrf_token": csrf, "mode": mode, "confirm_within_s": "600"},
            files={"bundle": ("update.json", content, "application/json")},
        )

    unsigned = await upload(b'{"version": "2.0.0", "services": {}}')
    assert unsigned.status_code == 400
    assert 'id="upgrade-error">the bundle is not signed' in unsigned.text
    not_json = await upload(b"\x89PNG")
    assert "the bundle is not a text (JSON) file" in not_json.text
    too_short = await upload(json.dumps({"manifest": "{}", "signature": "c2ln"}).encode(), "x")
    assert "mode: Input should be 'standard', 'factory_default' or 'autorollback'" in _text(
        too_short
    )
    bundle = {"manifest": '{"version": "2.0.0"}', "signature": "c2lnbmVk"}
    started = await upload(json.dumps(bundle).encode(), "autorollback")
    assert started.status_code == 303
    assert system.upgrade.stage is UpgradeStage.VERIFYING
    page = await client.get("/maintenance")
    assert 'id="upgrade-stage">verifying' in page.text
    await client.post("/maintenance/upgrade/rollback", data={"csrf_token": csrf})
    again = await client.post("/maintenance/upgrade/rollback", data={"csrf_token": csrf})
    assert 'id="upgrade-error">there is no previous version to roll back to' in again.text


async def test_reports_and_the_network_trace_download(
    client: httpx.AsyncClient, system: FakeSystem
) -> None:
    admin = basic("admin")
    text = await client.get("/api/v1/reports/server", headers=admin)
    assert text.text.startswith("AXIS W401 server report")
    archive = await client.get("/api/v1/reports/server.zip", headers=admin)
    assert archive.headers["content-type"] == "application/zip"
    assert 'filename="ACCC8E012345_server_report.zip"' in archive.headers["content-disposition"]
    assert archive.content.startswith(b"PK")
    crash = await client.get("/api/v1/reports/crash.zip", headers=basic("op"))
    assert crash.status_code == 403
    trace = await client.get("/api/v1/network-trace/file", headers=admin)
    assert trace.content == PCAP
    assert trace.headers["content-length"] == str(len(PCAP))
    csrf = await log_in(client)
    started = await client.post("/maintenance/trace", data={"csrf_token": csrf, "duration_s": "30"})
    assert started.status_code == 303
    assert system.trace.stage is NetworkTraceStage.RECORDING
    too_long = await client.post(
        "/maintenance/trace", data={"csrf_token": csrf, "duration_s": "9999"}
    )
    assert (
        'id="trace-error">duration_s: Input should be less than or equal to 1800' in too_long.text
    )
    status = await client.get("/api/v1/network-trace", headers=basic("view"))
    assert status.json()["stage"] == "recording"
    not_ready = await client.get("/api/v1/network-trace/file", headers=admin)
    assert not_ready.status_code == 404


def test_progress_is_rendered_as_one_server_sent_event_per_box(app: FastAPI) -> None:
    upgrade = UpgradeStatus(
        version="1.0.0", stage=UpgradeStage.PULLING, percent=40, target_version="2.0.0"
    )
    event = render_progress(upgrade)
    assert event.startswith("event: upgrade\ndata: ")
    assert 'value="40"' in event
    assert event.endswith("\n\n")
    ready = NetworkTraceStatus(stage=NetworkTraceStage.READY, file_name="t.pcap", size_bytes=9)
    assert 'id="trace-download">Download t.pcap' in render_progress(ready)
