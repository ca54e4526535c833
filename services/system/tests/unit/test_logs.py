from datetime import timedelta

import pytest
from pydantic import ValidationError

from actkit_core.testing.certificate_store import CertificateStore
from actkit_core.testing.clock import START
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Conflict, Invalid, NotFound
from actkit_proto.accounts import AccessFailed, SetCertificateUse
from actkit_proto.system import (
    AddSyslogServer,
    ListAccessLog,
    ListSyslogServers,
    ListSystemLog,
    LogRecorded,
    RemoveSyslogServer,
    Severity,
    SyslogProtocol,
    SyslogServer,
    TestSyslogServer,
)
from actkit_system.domain.logs import Journal
from actkit_system.handlers import Deps
from actkit_system.handlers.logs import MAX_SYSLOG_SERVERS, flush_logs, record_log


def line(service: str, severity: Severity, message: str, minutes: int = 0) -> LogRecorded:
    return LogRecorded(
        service=service,
        at=START + timedelta(minutes=minutes),
        severity=severity,
        logger=f"actkit_{service}.handlers",
        message=message,
    )


async def test_the_system_log_collects_every_services_lines_with_filters(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await record_log(line("io", Severity.WARNING, "port 3 cut", 1), deps)
    await record_log(line("mqtt", Severity.ERROR, "broker unreachable", 2), deps)
    await record_log(line("io", Severity.CRITICAL, "GPIO chip lost", 3), deps)
    everything = await fake_bus.request(ListSystemLog())
    assert [e.message for e in everything.entries][:3] == [
        "GPIO chip lost",
        "broker unreachable",
        "port 3 cut",
    ]
    assert everything.entries[-1].message == "AXIS W401 started, version 1.0.0"
    io = await fake_bus.request(ListSystemLog(services=["io"]))
    assert [e.message for e in io.entries] == ["GPIO chip lost", "port 3 cut"]
    errors = await fake_bus.request(ListSystemLog(min_severity=Severity.ERROR))
    assert errors.total == 2
    recent = await fake_bus.request(ListSystemLog(since=START + timedelta(minutes=2)))
    assert recent.total == 2
    text = await fake_bus.request(ListSystemLog(text="BROKER"))
    assert [e.service for e in text.entries] == ["mqtt"]
    limited = await fake_bus.request(ListSystemLog(limit=1))
    assert (len(limited.entries), limited.total) == (1, 4)


def test_the_journal_keeps_the_newest_entries_only() -> None:
    journal: Journal[object] = Journal(capacity=3)  # type: ignore[type-var]
    for number in range(5):
        journal.add(lambda entry_id, n=number: type("E", (), {"entry_id": entry_id, "n": n})())
    assert [entry.n for entry in journal.entries] == [2, 3, 4]  # type: ignore[attr-defined]
    assert journal.oldest_id() == 3
    assert len(journal.take_unsaved()) == 5
    assert journal.take_unsaved() == []


async def test_logs_survive_a_restart_and_stay_bounded(
    fake_bus: FakeBus,
    start,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.system_log_capacity = 3
    async with start() as deps:
        for minute in range(4):
            await record_log(line("io", Severity.WARNING, f"line {minute}", minute), deps)
        await fake_bus.publish(
            AccessFailed(
                at=START,
                client_address="192.0.2.7",
                name="root",
                method="digest",
                page="/axis-cgi/param.cgi",
                reason="wrong password",
            )
        )
        await flush_logs(deps)
    async with start() as deps:
        kept = await fake_bus.request(ListSystemLog())
        # Three kept: the newest lines, the second start-up line among them.
        assert [e.message for e in kept.entries] == [
            "AXIS W401 started, version 1.0.0",
            "line 3",
            "line 2",
        ]
        access = await fake_bus.request(ListAccessLog(client_address="192.0.2.7"))
        assert [(e.name, e.reason) for e in access.entries] == [("root", "wrong password")]
        assert (await fake_bus.request(ListAccessLog(name="admin"))).total == 0


async def test_syslog_servers_are_added_checked_and_removed(fake_bus: FakeBus, deps: Deps) -> None:
    added = await fake_bus.request(
        AddSyslogServer(server=SyslogServer(host=" logs.example ", protocol=SyslogProtocol.TCP))
    )
    assert added.server.host == "logs.example"
    with pytest.raises(Conflict, match=r"logs\.example:601 over tcp is already server 1"):
        await fake_bus.request(
            AddSyslogServer(server=SyslogServer(host="logs.example", protocol="tcp", port=601))
        )
    with pytest.raises(Invalid, match="neither an IP address nor a host name"):
        await fake_bus.request(AddSyslogServer(server=SyslogServer(host="bad host")))
    with pytest.raises(Invalid, match="only used with TLS"):
        await fake_bus.request(
            AddSyslogServer(server=SyslogServer(host="a.example", ca_certificate="x"))
        )
    store = CertificateStore()
    fake_bus.answer(SetCertificateUse, lambda command: store.set_use(command, None))
    with pytest.raises(NotFound, match="there is no certificate 'x'"):
        await fake_bus.request(
            AddSyslogServer(
                server=SyslogServer(host="a.example", protocol="tls", ca_certificate="x")
            )
        )
    with pytest.raises(ValidationError, match="ca_certificate"):
        SyslogServer(host="a.example", protocol="tls", ca_certificate="-----BEGIN CERTIFICATE")
    listed = await fake_bus.request(ListSyslogServers())
    assert [entry.server_id for entry in listed.servers] == [1]
    await fake_bus.request(RemoveSyslogServer(server_id=1))
    with pytest.raises(NotFound, match="no remote syslog server 1"):
        await fake_bus.request(RemoveSyslogServer(server_id=1))
    assert await deps.store.syslog_servers() == []


async def test_the_number_of_syslog_servers_is_bounded(fake_bus: FakeBus, deps: Deps) -> None:
    for number in range(MAX_SYSLOG_SERVERS):
        await fake_bus.request(AddSyslogServer(server=SyslogServer(host=f"10.0.0.{number}")))
    with pytest.raises(Conflict, match=f"at most {MAX_SYSLOG_SERVERS}"):
        await fake_bus.request(AddSyslogServer(server=SyslogServer(host="10.0.1.1")))


@pytest.mark.usefixtures("deps")
async def test_a_syslog_test_checks_the_server_as_typed_first(fake_bus: FakeBus) -> None:
    with pytest.raises(Invalid, match="neither an IP address nor a host name"):
        await fake_bus.request(TestSyslogServer(server=SyslogServer(host="bad host")))
    with pytest.raises(Invalid, match="only used with TLS"):
        await fake_bus.request(
            TestSyslogServer(server=SyslogServer(host="a.example", ca_certificate="x"))
        )


@pytest.mark.usefixtures("deps")
async def test_a_syslog_test_with_an_unknown_ca_says_so(fake_bus: FakeBus) -> None:
    result = await fake_bus.request(
        TestSyslogServer(server=SyslogServer(host="a.example", protocol="tls", ca_certificate="x"))
    )
    assert not result.is_ok
    assert result.answer.startswith("Not sent: the CA certificate 'x' was not given: ")
