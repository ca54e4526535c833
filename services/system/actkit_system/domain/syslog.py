"""Remote syslog messages in the three formats the manual offers: Axis, RFC 3164, RFC 5424.

RFC 5424 lines are made by the ``syslog-rfc5424-formatter`` library; RFC 3164 (BSD syslog) and
the Axis format (the device's own log line after a BSD priority) are short enough to write here.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from syslog_rfc5424_formatter import RFC5424Formatter

from actkit_proto.system import LogEntry, Severity, SyslogFormat

FACILITY_USER = 1
"""Every message is sent as a user-level message (facility 1)."""
STRUCTURED_DATA_ID = "actkit@32473"
"""The RFC 5424 SD-ID carrying the logger name (32473 is the documentation enterprise number)."""

_RFC5424 = RFC5424Formatter(sd_id=STRUCTURED_DATA_ID, procid="-")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def priority(severity: Severity) -> int:
    """The PRI value: facility * 8 + severity."""
    return FACILITY_USER * 8 + severity.code


def app_name(service: str) -> str:
    """The program name a service's lines carry (``actkit-io``)."""
    return f"actkit-{service}"


def is_sent(severity: Severity, threshold: Severity) -> bool:
    """Whether a line of ``severity`` goes to a server that asked for ``threshold`` and worse."""
    return severity.code <= threshold.code


def format_line(entry: LogEntry, form: SyslogFormat, hostname: str, zone: ZoneInfo) -> str:
    """One syslog message for ``entry``, without transport framing."""
    message = " ".join(entry.message.splitlines())
    pri = f"<{priority(entry.severity)}>"
    if form is SyslogFormat.RFC5424:
        return pri + _rfc5424(entry, message, hostname)
    local = entry.at.astimezone(zone)
    if form is SyslogFormat.RFC3164:
        stamp = f"{_MONTHS[local.month - 1]} {local.day:2d} {local:%H:%M:%S}"
        return f"{pri}{stamp} {hostname} {app_name(entry.service)}: {message}"
    level = entry.severity.name
    return (
        f"{pri}{_iso_millis(local)} {hostname} [ {level:<7} ] "
        f"{app_name(entry.service)}[{entry.logger}]: {message}"
    )


def _iso_millis(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds")


def _rfc5424(entry: LogEntry, message: str, hostname: str) -> str:
    record = logging.LogRecord(
        name=app_name(entry.service),
        level=logging.WARNING,
        pathname="",
        lineno=0,
        msg=message.replace("%", "%%"),
        args=({"structured_data": {"logger": entry.logger}},),
        exc_info=None,
    )
    record.created = entry.at.timestamp()
    record.msecs = 0
    line = _RFC5424.format(record)
    # The library names the host by socket.gethostname(); the device's own name is used instead.
    version, stamp, _host, rest = line.split(" ", 3)
    return f"{version} {stamp} {hostname} {rest}"
