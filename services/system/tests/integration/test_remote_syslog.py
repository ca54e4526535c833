import asyncio
import re
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import syslogmp

from actkit_core.bus import Bus
from actkit_core.testing.plugin import running
from actkit_proto.system import (
    AddSyslogServer,
    ListSystemLog,
    LogRecorded,
    Severity,
    SyslogDeliveryFailed,
    SyslogFormat,
    SyslogProtocol,
    SyslogServer,
)
from actkit_system.main import serve
from actkit_system.settings import SystemSettings

from .listeners import Listener, make_certificates, stream_listener, udp_listener
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
async def system(bus: Bus, nats_server: str, tmp_path: Path) -> AsyncIterator[None]:
    settings = SystemSettings(nats_url=nats_server, data_dir=tmp_path, metrics_port=0)
    async with running(serve, settings):
        await until_answering(bus)
        yield


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
    certificates = make_certificates(tmp_path)
    listeners: dict[SyslogFormat, Listener] = {}
    for form in SyslogFormat:
        if protocol is SyslogProtocol.UDP:
            listeners[form] = await udp_listener()
        elif protocol is SyslogProtocol.TCP:
            listeners[form] = await stream_listener()
        else:
            listeners[form] = await stream_listener(certificates.server_context)
    try:
        async with system(bus, nats_server, tmp_path):
            for form, listener in listeners.items():
                await bus.request(
                    AddSyslogServer(
                        server=SyslogServer(
                            host="127.0.0.1",
                            port=listener.port,
                            format=form,
                            protocol=protocol,
                            ca_certificate=(
                                certificates.ca_pem if protocol is SyslogProtocol.TLS else None
                            ),
                        )
                    )
                )
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
    finally:
        for listener in listeners.values():
            listener.close()


async def test_a_tls_server_with_an_untrusted_certificate_is_reported(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    trusted = make_certificates(tmp_path)
    (tmp_path / "other").mkdir()
    other = make_certificates(tmp_path / "other")
    listener = await stream_listener(other.server_context)
    failures: list[SyslogDeliveryFailed] = []

    async def collect(event: SyslogDeliveryFailed) -> None:
        failures.append(event)

    await bus.subscribe(SyslogDeliveryFailed, collect)
    try:
        async with system(bus, nats_server, tmp_path):
            entry = await bus.request(
                AddSyslogServer(
                    server=SyslogServer(
                        host="127.0.0.1",
                        port=listener.port,
                        protocol=SyslogProtocol.TLS,
                        ca_certificate=trusted.ca_pem,
                    )
                )
            )
            await bus.publish(warning("input 4 cut"))
            for _ in range(500):
                if failures:
                    break
                await asyncio.sleep(0.01)
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
