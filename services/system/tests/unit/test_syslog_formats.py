import re
import socket
import warnings
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import syslogmp

with warnings.catch_warnings():
    # The parser's grammar library imports the deprecated sre_parse module.
    warnings.simplefilter("ignore", DeprecationWarning)
    from syslog_rfc5424_parser import SyslogMessage

from actkit_proto.system import LogEntry, Severity, SyslogFormat, SyslogProtocol, SyslogServer
from actkit_system.adapters.syslog import explain_failure, frame
from actkit_system.domain.syslog import format_line, is_sent

AT = datetime(2026, 3, 5, 9, 7, 1, 250000, tzinfo=UTC)
ENTRY = LogEntry(
    entry_id=7,
    at=AT,
    severity=Severity.ERROR,
    service="io",
    logger="actkit_io.handlers",
    message='port 3 "cut" at 50% ] \\ load\nsecond line',
)
STOCKHOLM = ZoneInfo("Europe/Stockholm")
AXIS_LINE = re.compile(
    r"^<(?P<pri>\d+)>(?P<at>\S+) (?P<host>\S+) \[ (?P<level>[A-Z]+) *\] "
    r"(?P<app>[\w-]+)\[(?P<logger>[\w.]+)\]: (?P<message>.*)$"
)


def test_rfc5424_lines_parse_back_with_an_independent_parser() -> None:
    parsed = SyslogMessage.parse(format_line(ENTRY, SyslogFormat.RFC5424, "car-12", STOCKHOLM))
    assert parsed.as_dict() | {"timestamp": None} == {
        "severity": "err",
        "facility": "user",
        "version": 1,
        "timestamp": None,
        "hostname": "car-12",
        "appname": "actkit-io",
        "procid": None,
        "msgid": None,
        "sd": {"actkit@32473": {"logger": "actkit_io.handlers"}},
        "msg": 'port 3 "cut" at 50% ] \\ load second line',
    }
    assert datetime.fromisoformat(parsed.timestamp) == AT


def test_rfc3164_lines_parse_back_with_an_independent_parser() -> None:
    line = format_line(ENTRY, SyslogFormat.RFC3164, "car-12", STOCKHOLM)
    assert line.startswith("<11>Mar  5 10:07:01 car-12 actkit-io: ")
    parsed = syslogmp.parse(line.encode())
    assert parsed.facility is syslogmp.Facility.user
    assert parsed.severity is syslogmp.Severity.error
    assert parsed.hostname == "car-12"
    assert (parsed.timestamp.month, parsed.timestamp.day, parsed.timestamp.hour) == (3, 5, 10)
    assert parsed.message == b'actkit-io: port 3 "cut" at 50% ] \\ load second line'


def test_axis_lines_carry_the_devices_log_line_after_a_priority() -> None:
    found = AXIS_LINE.match(format_line(ENTRY, SyslogFormat.AXIS, "car-12", STOCKHOLM))
    assert found is not None
    assert found.groupdict() == {
        "pri": "11",
        "at": "2026-03-05T10:07:01.250+01:00",
        "host": "car-12",
        "level": "ERROR",
        "app": "actkit-io",
        "logger": "actkit_io.handlers",
        "message": 'port 3 "cut" at 50% ] \\ load second line',
    }


def test_streams_are_framed_by_octet_count_or_newline() -> None:
    udp = SyslogServer(host="h", format=SyslogFormat.RFC5424)
    tcp = SyslogServer(host="h", format=SyslogFormat.RFC5424, protocol=SyslogProtocol.TCP)
    bsd = SyslogServer(host="h", format=SyslogFormat.RFC3164, protocol=SyslogProtocol.TLS)
    assert frame("<11>1 é", udp) == "<11>1 é".encode()
    assert frame("<11>1 é", tcp) == b"8 " + "<11>1 é".encode()
    assert frame("<11>x", bsd) == b"<11>x\n"


def test_a_server_gets_its_severity_and_worse() -> None:
    assert is_sent(Severity.CRITICAL, Severity.WARNING)
    assert is_sent(Severity.WARNING, Severity.WARNING)
    assert not is_sent(Severity.NOTICE, Severity.WARNING)


def test_a_failed_send_is_explained_in_a_sentence_to_act_on() -> None:
    tcp = SyslogServer(host="logs.example", protocol=SyslogProtocol.TCP)
    tls = SyslogServer(host="logs.example", protocol=SyslogProtocol.TLS, port=7000)
    unknown = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    assert explain_failure(unknown, tcp, connected=False) == (
        "the host name 'logs.example' could not be resolved (Name or service not known); "
        "check the name and the device's DNS settings"
    )
    assert explain_failure(TimeoutError(), tcp, connected=False) == (
        "logs.example:601 did not answer within 3.5 s; check the address and that no firewall "
        "blocks the port"
    )
    assert explain_failure(ConnectionResetError(), tls, connected=False) == (
        "logs.example:7000 closed the connection during the TLS handshake; check that the "
        "server speaks TLS on this port"
    )
    assert explain_failure(BrokenPipeError(32, "Broken pipe"), tls, connected=True) == (
        "logs.example:7000 closed the connection before the message was written; check that "
        "the server accepts syslog over TLS on this port"
    )
    unreachable = OSError(101, "Network is unreachable")
    assert explain_failure(unreachable, tcp, connected=False) == (
        "could not send to logs.example:601 (Network is unreachable); check the address and "
        "the network"
    )
