import asyncio
import re
import socket
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import syslogmp

from actkit_core.bus import Bus
from actkit_core.testing.certificate_store import CertificateStore
from actkit_core.testing.certificates import CertificateAuthority
from actkit_core.testing.eventually import eventually
from actkit_core.testing.plugin import running
from actkit_proto.system import (
    AddSyslogServer,
    ListSyslogServers,
    ListSystemLog,
    LogRecorded,
    RemoveSyslogServer,
    Severity,
    SyslogDeliveryFailed,
    SyslogFormat,
    SyslogProtocol,
    SyslogServer,
    SyslogTestResult,
    TestSyslogServer,
)
from actkit_system.main import serve
from actkit_system.settings import SystemSettings

from .listeners import (
    protocol_listener,
    stream_listener,
    untrusted_listener,
)
from .serving import until_answering

with warnings.catch_warnings():
    # The parser's grammar library imports the deprecated sre_parse module.
    warnings.simplefilter("ignore", DeprecationWarning)
    from syslog_rfc5424_parser import SyslogMessage

AT = datetime(2026, 11, 24, 16, 30, 5, 500000, tzinfo=UTC)
AXIS_LINE = re.compile(
    r"^<(?P<pri>\d+)>(?P<at>\S+) (?P<host>\S+) \[ (?P<level>[A-Z]+) *\] "
    r"(?P<app>[\w-]+)\[(?P<logger>[\w.]+)\]: (?P<message>.*)$"
)


@asynccontextmanager
async def system(
    bus: Bus, nats_server: str, tmp_path: Path, **cas: str
) -> AsyncIterator[CertificateStore]:
    """The system service, with accounts' certificate store holding the CA certificates ``cas``
    (id -> PEM)."""
    store = CertificateStore({cert_id: (pem, "") for cert_id, pem in cas.items()})
    settings = SystemSettings(nats_url=nats_server, data_dir=tmp_path, metrics_port=0)
    async with Bus.connect("accounts", servers=[nats_server]) as accounts_bus:
        await accounts_bus.serve(store.handlers(), None, version="0.0.0")
        async with running(serve, settings):
            await until_answering(bus)
            yield store


def warning(message: str, severity: Severity = Severity.WARNING) -> LogRecorded:
    return LogRecorded(
        service="io", at=AT, severity=severity, logger="actkit_io.gpio", message=message
    )


def check_parsed(form: SyslogFormat, received: str) -> None:
    if form is SyslogFormat.RFC5424:
        parsed = SyslogMessage.parse(received)
        assert (parsed.severity.name, parsed.appname, parsed.msg) == (
            "warning",
            "actkit-io",
            "input 4 cut",
        )
        assert parsed.sd == {"actkit@32473": {"logger": "actkit_io.gpio"}}
        assert datetime.fromisoformat(parsed.timestamp) == AT
    elif form is SyslogFormat.RFC3164:
        bsd = syslogmp.parse(received.encode())
        assert bsd.severity is syslogmp.Severity.warning
        assert bsd.facility is syslogmp.Facility.user
        assert bsd.message == b"actkit-io: input 4 cut"
        assert (bsd.timestamp.hour, bsd.timestamp.minute, bsd.timestamp.second) == (16, 30, 5)
    else:
        found = AXIS_LINE.match(received)
        assert found is not None, received
        assert found["pri"] == "12"
        assert (found["level"], found["app"], found["logger"]) == (
            "WARNING",
            "actkit-io",
            "actkit_io.gpio",
        )
        assert found["message"] == "input 4 cut"
        assert datetime.fromisoformat(found["at"]) == AT


@pytest.mark.parametrize("protocol", list(SyslogProtocol))
async def test_remote_syslog_is_delivered_and_parses_back_in_every_format(
    bus: Bus, nats_server: str, tmp_path: Path, protocol: SyslogProtocol
) -> None:
    ca = CertificateAuthority()
    server_tls = ca.server_context("127.0.0.1")
    listeners = {form: await protocol_listener(protocol, server_tls) for form in SyslogFormat}
    try:
        async with system(bus, nats_server, tmp_path, ca=ca.pem) as store:
            for form, listener in listeners.items():
                await bus.request(
                    AddSyslogServer(
                        server=SyslogServer(
                            host="127.0.0.1",
                            port=listener.port,
                            format=form,
                            protocol=protocol,
                            ca_certificate=("ca" if protocol is SyslogProtocol.TLS else None),
                        )
                    )
                )
            is_tls = protocol is SyslogProtocol.TLS
            assert store.used_by == ({"ca": {"syslog"}} if is_tls else {})
            await bus.publish(warning("not sent: below the servers' severity", Severity.INFO))
            await bus.publish(warning("input 4 cut"))
            for form, listener in listeners.items():
                [received] = await listener.wait_for(1)
                check_parsed(form, received)
            log = await bus.request(ListSystemLog(services=["io"]))
            assert [entry.message for entry in log.entries] == [
                "input 4 cut",
                "not sent: below the servers' severity",
            ]
            for entry in (await bus.request(ListSyslogServers())).servers:
                await bus.request(RemoveSyslogServer(server_id=entry.server_id))
            assert store.used_by == ({"ca": set()} if is_tls else {})
    finally:
        for listener in listeners.values():
            listener.close()


async def test_a_tls_server_with_an_untrusted_certificate_is_reported(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    trusted, listener = await untrusted_listener()
    failures: list[SyslogDeliveryFailed] = []

    async def collect(event: SyslogDeliveryFailed) -> None:
        failures.append(event)

    await bus.subscribe(SyslogDeliveryFailed, collect)
    try:
        async with system(bus, nats_server, tmp_path, trusted=trusted.pem):
            entry = await bus.request(
                AddSyslogServer(
                    server=SyslogServer(
                        host="127.0.0.1",
                        port=listener.port,
                        protocol=SyslogProtocol.TLS,
                        ca_certificate="trusted",
                    )
                )
            )
            await bus.publish(warning("input 4 cut"))
            await eventually(lambda: failures, timeout_s=5)
            assert failures[0].server_id == entry.server_id
            assert "CERTIFICATE_VERIFY_FAILED" in failures[0].reason
            assert listener.messages == []
    finally:
        listener.close()


async def test_a_burst_of_warnings_reaches_a_tcp_server_complete_and_in_order(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    listener = await stream_listener()
    try:
        async with system(bus, nats_server, tmp_path):
            await bus.request(
                AddSyslogServer(
                    server=SyslogServer(
                        host="127.0.0.1", port=listener.port, protocol=SyslogProtocol.TCP
                    )
                )
            )
            for number in range(500):
                await bus.publish(warning(f"line {number}"))
            received = await listener.wait_for(500, timeout_s=10)
            assert [SyslogMessage.parse(line).msg for line in received] == [
                f"line {number}" for number in range(500)
            ]
    finally:
        listener.close()


def check_test_line(form: SyslogFormat, received: str) -> None:
    """The test message parses in its format, as a NOTICE naming the device that sent it."""
    if form is SyslogFormat.RFC5424:
        parsed = SyslogMessage.parse(received)
        host, severity, app, message = (
            parsed.hostname,
            parsed.severity.name,
            parsed.appname,
            parsed.msg,
        )
    elif form is SyslogFormat.RFC3164:
        bsd = syslogmp.parse(received.encode())
        assert bsd.facility is syslogmp.Facility.user
        app, message = bsd.message.decode().split(": ", 1)
        host, severity = bsd.hostname, bsd.severity.name
    else:
        found = AXIS_LINE.match(received)
        assert found is not None, received
        assert found["pri"] == "13"
        host, severity, app, message = found["host"], found["level"], found["app"], found["message"]
    assert (severity.lower(), app) == ("notice", "actkit-system")
    assert message == f"Test message from {host}'s remote syslog settings"


@asynccontextmanager
async def plain_tcp_server() -> AsyncIterator[int]:
    """A server that reads what comes and hangs up, as one without TLS does on a handshake."""

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def send_test(bus: Bus, server: SyslogServer) -> SyslogTestResult:
    return await bus.request(TestSyslogServer(server=server), timeout_s=10)


@pytest.mark.parametrize("protocol", list(SyslogProtocol))
async def test_a_test_message_arrives_once_and_parses_in_every_format(
    bus: Bus, nats_server: str, tmp_path: Path, protocol: SyslogProtocol
) -> None:
    ca = CertificateAuthority()
    server_tls = ca.server_context("127.0.0.1")
    listeners = {form: await protocol_listener(protocol, server_tls) for form in SyslogFormat}
    try:
        async with system(bus, nats_server, tmp_path, ca=ca.pem):
            for form, listener in listeners.items():
                result = await send_test(
                    bus,
                    SyslogServer(
                        host=" 127.0.0.1 ",
                        port=listener.port,
                        format=form,
                        protocol=protocol,
                        severity=Severity.EMERGENCY,
                        ca_certificate=("ca" if protocol is SyslogProtocol.TLS else None),
                    ),
                )
                assert result.is_ok, result.answer
                if protocol is SyslogProtocol.UDP:
                    assert "UDP has no acknowledgement" in result.answer
                else:
                    assert "wrote the test message and closed the connection" in result.answer
                [received] = await listener.wait_for(1)
                check_test_line(form, received)
            # Tested, not saved: nothing else is configured and the line stays out of the log.
            log = await bus.request(ListSystemLog(services=["system"]))
            assert not [e for e in log.entries if e.message.startswith("Test message")]
            await bus.publish(warning("input 4 cut"))
            await asyncio.sleep(0.2)
            assert all(len(listener.messages) == 1 for listener in listeners.values())
    finally:
        for listener in listeners.values():
            listener.close()


async def test_a_test_message_that_cannot_be_sent_says_why(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    trusted, listener = await untrusted_listener()
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        refused_port = closed.getsockname()[1]
    try:
        async with system(bus, nats_server, tmp_path, trusted=trusted.pem):
            refused = await send_test(
                bus,
                SyslogServer(host="127.0.0.1", port=refused_port, protocol=SyslogProtocol.TCP),
            )
            assert not refused.is_ok
            assert refused.answer == (
                f"Not sent: 127.0.0.1:{refused_port} refused the connection; check the port "
                "and that the server accepts syslog over TCP."
            )
            untrusted = await send_test(
                bus,
                SyslogServer(
                    host="127.0.0.1",
                    port=listener.port,
                    protocol=SyslogProtocol.TLS,
                    ca_certificate="trusted",
                ),
            )
            assert not untrusted.is_ok
            assert untrusted.answer.startswith(
                f"Not sent: 127.0.0.1:{listener.port} sent a certificate that the chosen CA "
                "certificate cannot verify ("
            )
            assert "choose the CA certificate that signed the server's certificate" in (
                untrusted.answer
            )
            async with plain_tcp_server() as plain_port:
                plain = await send_test(
                    bus,
                    SyslogServer(
                        host="127.0.0.1",
                        port=plain_port,
                        protocol=SyslogProtocol.TLS,
                        ca_certificate="trusted",
                    ),
                )
            assert not plain.is_ok
            assert "check that the server speaks TLS on this port" in plain.answer
            assert listener.messages == []
    finally:
        listener.close()
