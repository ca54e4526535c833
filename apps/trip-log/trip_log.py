"""Trip log, an example actkit app: records ignition and every input change, offers them as CSV.

It subscribes to ``io.ignition.changed`` and ``io.port.*.changed`` with a few lines of the NATS
protocol (the standard library only, so the image is the base and this file), as the user the
device made for it (``ACTKIT_APP_NATS_USER``, ``_PASSWORD``), and appends a row per
event to ``<ACTKIT_APP_DATA_DIR>/trip-log.csv`` and serves that file on its page
(``ACTKIT_TRIP_LOG_PORT``, 8080). When the bus is away it tries again, waiting longer each time.

Its one setting, ``record_inputs`` (default true: input changes are recorded, not only the
ignition), arrives as ``system.app.<name>.settings.changed``: it reads the value the bus keeps
when it connects (asking again every 2 s until the bus answers), and follows the changes.

Each row says where the device is: the location set on the device's Time and location page
(``system.location.get``, asked when it connects and at each ignition change; the device
publishes no position of its own). Without that approval the column stays empty.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import json
import logging
import os
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

SUBJECTS = ("io.ignition.changed", "io.port.*.changed")
HEADER = ("time", "what", "state", "circuit", "location")
LOCATION = "system.location.get"
RETRY_MAX_S = 30.0
ASK_AGAIN_S = 2.0
"""How long a question (the kept settings, the location) waits for its answer before it is
sent again."""
KEPT_STREAM = "KV_actkit-state"
"""Where the bus keeps the last value of each stateful event, by subject."""
log_line = logging.getLogger("trip-log")


def row_of(subject: str, event: dict[str, object], at: datetime) -> tuple[str, ...] | None:
    """The CSV row of an event, or ``None`` for a subject the log does not keep.

    >>> at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    >>> row_of("io.port.3.changed", {"is_active": True, "circuit": "closed"}, at)
    ('2026-01-02T03:04:05+00:00', 'port 3', 'active', 'closed')
    """
    tokens = subject.split(".")
    if subject == "io.ignition.changed":
        return (at.isoformat(), "ignition", "on" if event.get("is_on") else "off", "")
    if len(tokens) == 4 and tokens[:2] == ["io", "port"] and tokens[3] == "changed":
        state = "active" if event.get("is_active") else "inactive"
        return (at.isoformat(), f"port {tokens[2]}", state, str(event.get("circuit", "")))
    return None


class TripLog:
    """The CSV file in the app's data volume, and the settings that say what goes in it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.record_inputs = True
        self.location = ""
        """Where the device is, as its Time and location page says ("" until known)."""

    def settle(self, values: dict[str, object]) -> None:
        """Take the app's settings as the device sends them."""
        self.record_inputs = bool(values.get("record_inputs", True))
        log_line.info("settings: record_inputs=%s", self.record_inputs)

    def record(self, subject: str, event: dict[str, object], at: datetime) -> None:
        """Add the row of an event the settings say to keep."""
        row = row_of(subject, event, at)
        if row is not None and (self.record_inputs or row[1] == "ignition"):
            self.add((*row, self.location))

    def add(self, row: tuple[str, ...]) -> None:
        """Append a row (the header first, in a new file)."""
        is_new = not self.path.exists()
        with self.path.open("a", newline="") as file:
            writer = csv.writer(file)
            if is_new:
                writer.writerow(HEADER)
            writer.writerow(row)

    def text(self) -> str:
        """The whole log as CSV text; only the header while nothing was recorded."""
        if not self.path.exists():
            out = io.StringIO()
            csv.writer(out).writerow(HEADER)
            return out.getvalue()
        return self.path.read_text()


def place_of(body: bytes) -> str | None:
    """The location in the device's answer to ``system.location.get``; ``None`` for an error.

    >>> place_of(b'{"latitude": 59.3293, "longitude": 18.0686, "label": "Depot"}')
    'Depot (59.329300, 18.068600)'
    >>> place_of(b'{"latitude": 59.3293, "longitude": 18.0686, "label": ""}')
    '59.329300, 18.068600'
    """
    try:
        answer = json.loads(body or b"{}")
        where = f"{float(answer['latitude']):.6f}, {float(answer['longitude']):.6f}"
    except (ValueError, KeyError, TypeError):
        return None
    label = str(answer.get("label") or "").strip()
    return f"{label} ({where})" if label else where


def settings_of(subject: str, body: bytes, inbox: str) -> dict[str, object] | None:
    """The app's settings in a message: a change, or the kept value asked for on ``inbox``.

    ``None`` when the bus keeps none yet.

    >>> settings_of("s", b'{"name": "trip-log", "values": {"record_inputs": false}}', "i")
    {'record_inputs': False}
    >>> settings_of("i", b'{"error": {"code": 404}}', "i") is None
    True
    """
    answer = json.loads(body or b"{}")
    if subject == inbox:
        kept = answer.get("message")
        if kept is None:
            return None
        answer = json.loads(base64.b64decode(kept["data"]))
    values = answer.get("values")
    return values if isinstance(values, dict) else None


class Access(NamedTuple):
    """Who the app is on the bus, as the device tells it (``ACTKIT_APP_NATS_*``).

    Its user may subscribe to its replies under ``inbox`` only, and reads what the bus keeps
    through the JetStream API under ``js_api``.
    """

    user: str | None = None
    password: str = ""
    inbox: str = "_INBOX"
    js_api: str = "$JS.API"

    @classmethod
    def from_env(cls) -> Access:
        """As the device sets it."""
        env = os.environ
        return cls(
            env.get("ACTKIT_APP_NATS_USER"),
            env.get("ACTKIT_APP_NATS_PASSWORD", ""),
            env.get("ACTKIT_APP_NATS_INBOX", "_INBOX"),
            env.get("ACTKIT_APP_JS_API", "$JS.API"),
        )


NO_USERS = Access()
"""A bus without users (a test's)."""


async def follow(
    url: str,
    log: TripLog,
    subscribed: asyncio.Event | None = None,
    app: str = "trip-log",
    access: Access = NO_USERS,
) -> None:
    """Record events from the bus at ``url`` until it closes the connection."""
    settings = f"system.app.{app}.settings.changed"
    inbox = f"{access.inbox}.settings"
    located = f"{access.inbox}.location"
    ask_where = f"PUB {LOCATION} {located} 2\r\n{{}}\r\n".encode()
    ask = json.dumps({"last_by_subj": f"$KV.actkit-state.{settings}"})
    where = urllib.parse.urlsplit(url)
    reader, writer = await asyncio.open_connection(where.hostname, where.port or 4222)
    asking: asyncio.Task[None] | None = None
    try:
        await reader.readline()  # the server's INFO
        connect: dict[str, object] = {"verbose": False, "pedantic": False, "name": "trip-log"}
        if access.user:
            connect["user"], connect["pass"] = access.user, access.password
        lines = [f"CONNECT {json.dumps(connect)}"]
        lines += [f"SUB {subject} {sid}" for sid, subject in enumerate(SUBJECTS, 1)]
        lines += [f"SUB {settings} 90", f"SUB {inbox} 91", f"SUB {located} 92"]
        kept = f"{access.js_api}.STREAM.MSG.GET.{KEPT_STREAM}"
        writer.write(("\r\n".join([*lines, "PING"]) + "\r\n").encode())
        unanswered = {
            inbox: (kept, f"PUB {kept} {inbox} {len(ask)}\r\n{ask}\r\n".encode()),
            located: (LOCATION, ask_where),
        }
        asking = asyncio.create_task(ask_until_answered(writer, unanswered))
        while line := await reader.readline():
            words = line.decode().split()
            if not words:
                continue
            if words[0] == "PING":
                writer.write(b"PONG\r\n")
                await writer.drain()
            elif words[0] == "PONG" and subscribed is not None:
                subscribed.set()
            elif words[0] == "-ERR" and b"Permissions Violation" in line:
                # Not approved (yet): nats-server refuses that one subject and keeps the rest.
                log_line.warning("the device refused: %s", line.decode().strip())
                for asked, (subject, _) in list(unanswered.items()):
                    if f'"{subject}"' in line.decode():
                        del unanswered[asked]  # asking again would be refused again
            elif words[0] == "-ERR":
                raise ConnectionError(line.decode().strip())
            elif words[0] in ("MSG", "HMSG"):
                # MSG <subject> <sid> [reply] <size>; HMSG <subject> <sid> [reply] <hdr> <size>
                size = int(words[-1])
                data = (await reader.readexactly(size + 2))[:size]
                body = data[int(words[-2]) :] if words[0] == "HMSG" else data
                unanswered.pop(words[1], None)
                if words[1] in (settings, inbox):
                    values = settings_of(words[1], body, inbox)
                    if values is not None:
                        log.settle(values)
                elif words[1] == located:
                    log.location = place_of(body) or log.location
                else:
                    log.record(words[1], json.loads(body or b"{}"), datetime.now(UTC))
                    if words[1] == "io.ignition.changed":  # a trip begins or ends: where now?
                        writer.write(ask_where)
                        await writer.drain()
    finally:
        if asking is not None:
            asking.cancel()
        writer.close()


async def ask_until_answered(
    writer: asyncio.StreamWriter, unanswered: dict[str, tuple[str, bytes]]
) -> None:
    """Send each question, and again every :data:`ASK_AGAIN_S` until its inbox has an answer.

    ``unanswered``: by the inbox its answer comes to, the question's subject and its message.

    The device's bus may drop a question while it takes a change of its users (an app
    installed, approved or removed), and this app may connect in that moment.
    """
    while unanswered:
        writer.write(b"".join(message for _, message in unanswered.values()))
        await writer.drain()
        await asyncio.sleep(ASK_AGAIN_S)


async def serve_page(log: TripLog, port: int) -> asyncio.Server:
    """The app's page: ``/`` says what it is, ``/trip-log.csv`` is the log."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = (await reader.readline()).decode().split()
        while (await reader.readline()).strip():
            pass  # the headers: nothing here needs them
        path = request[1] if len(request) > 1 else "/"
        if path.startswith("/trip-log.csv"):
            body, kind = log.text().encode(), "text/csv; charset=utf-8"
        else:
            body = b'<!doctype html><title>Trip log</title><a href="trip-log.csv">trip-log.csv</a>'
            kind = "text/html; charset=utf-8"
        head = f"HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
        writer.write(head.encode() + b"Connection: close\r\n\r\n" + body)
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    return await asyncio.start_server(answer, "0.0.0.0", port)


async def main() -> None:
    """Serve the page and follow the bus, again and again when it goes away."""
    log = TripLog(Path(os.environ.get("ACTKIT_APP_DATA_DIR", "/data")) / "trip-log.csv")
    url = os.environ.get("ACTKIT_APP_NATS_URL", "nats://127.0.0.1:4222")
    server = await serve_page(log, int(os.environ.get("ACTKIT_TRIP_LOG_PORT", "8080")))
    log_line.info("started: recording %s from %s", ", ".join(SUBJECTS), url.split("@")[-1])
    wait_s = 1.0
    async with server:
        while True:
            try:
                app = os.environ.get("ACTKIT_APP_NAME", "trip-log")
                await follow(url, log, app=app, access=Access.from_env())
                wait_s = 1.0
            except (OSError, ConnectionError) as exc:
                log_line.warning("the bus is away (%s); trying again in %g s", exc, wait_s)
                await asyncio.sleep(wait_s)
                wait_s = min(wait_s * 2, RETRY_MAX_S)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="trip-log %(levelname)s %(message)s")
    asyncio.run(main())
