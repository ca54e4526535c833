"""The server and crash reports: plain UTF-8 text sections, and the zip archives they ship in."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime

from actkit_proto.params import Parameter
from actkit_proto.service import ServiceStatus
from actkit_proto.system import AccessEntry, Identity, LogEntry, TimeStatus, UpgradeStatus


def _section(title: str, lines: Iterable[str]) -> str:
    body = "\n".join(lines) or "(none)"
    return f"----- {title} -----\n{body}\n"


def log_line(entry: LogEntry) -> str:
    """One system log line as the report and the log view show it."""
    return (
        f"{entry.at.isoformat(timespec='milliseconds')} {entry.severity.name:<9} "
        f"{entry.service} {entry.logger}: {entry.message}"
    )


def access_line(entry: AccessEntry) -> str:
    """One access log line."""
    return (
        f"{entry.at.isoformat(timespec='seconds')} {entry.client_address} {entry.name!r} "
        f"{entry.method} {entry.page}: {entry.reason}"
    )


def server_report(
    identity: Identity,
    generated_at: datetime,
    time: TimeStatus,
    upgrade: UpgradeStatus,
    services: Sequence[ServiceStatus],
    missing: Sequence[str],
    system_log: Sequence[LogEntry],
    access_log: Sequence[AccessEntry],
) -> str:
    """The server report text."""
    sync = (
        f"synchronised with {time.server} (offset {time.offset_s:+.6f} s)"
        if time.is_synchronized and time.offset_s is not None
        else "not synchronised"
    )
    parts = [
        _section(
            "Device",
            [
                f"Product: {identity.product_name}",
                f"Model: {identity.model}",
                f"Serial number: {identity.serial_number}",
                f"MAC address: {identity.mac_address}",
                f"Software version: {upgrade.version} (build {identity.build})",
                f"Previous version: {upgrade.previous_version or '-'}",
                f"Report generated: {generated_at.isoformat(timespec='seconds')}",
            ],
        ),
        _section(
            "Time",
            [
                f"Device time: {time.now.isoformat(timespec='seconds')} ({time.time_zone}"
                f"{', daylight saving time' if time.is_dst else ''})",
                f"Synchronisation: {time.sync_mode.value}, {sync}",
            ],
        ),
        _section(
            "Services",
            [
                f"{s.service:<10} {s.version:<10} up since {s.started_at:%Y-%m-%d %H:%M:%S}Z "
                f"handled {s.handled} failed {s.failed}"
                + (f" adapter {s.adapter}" if s.adapter else "")
                for s in services
            ]
            + [f"{name:<10} NOT ANSWERING" for name in missing],
        ),
        _section("System log (newest last)", [log_line(entry) for entry in system_log]),
        _section("Access log (newest last)", [access_line(entry) for entry in access_log]),
    ]
    return "\n".join(parts)


def parameters_text(parameters: Sequence[Parameter]) -> str:
    """Plain config as ``root.<key>=<value>`` lines; write-only values are not shown."""
    return "".join(f"root.{p.key}={'' if p.value is None else p.value}\n" for p in parameters)


def archive(files: dict[str, str]) -> bytes:
    """A deflated zip of UTF-8 text files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, text in files.items():
            zipped.writestr(name, text.encode())
    return buffer.getvalue()


def as_json(value: object) -> str:
    """Pretty JSON for the crash report's files."""
    return json.dumps(value, indent=2, sort_keys=True, default=str) + "\n"
