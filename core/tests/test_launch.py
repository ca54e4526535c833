"""Forking services from a preloaded parent: what the preload leaves, what /metrics shows."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client import Counter, generate_latest

from actkit_core.cli import launch
from actkit_core.cli.launch import (
    close_inherited,
    console_script,
    exit_code,
    left_out,
    open_descriptors,
)
from actkit_core.db import migrate
from actkit_core.metrics import ServiceMetrics
from actkit_proto.services import SERVICE_NAMES

PROBE = """
import dis, gc, json, sys, threading
import actkit_core.preload
from actkit_core.local_time import known_zones
from actkit_core.preload import AT_START, LEFT_OUT, entry_module
from pydantic_settings import BaseSettings
from sqlalchemy.orm import Session
imported = [name for name in (*LEFT_OUT, "rich") if name in sys.modules]
import aiohttp, dns.resolver, httpx._main  # still there for whoever imports them after the preload
def quickened(function):
    steps = dis.get_instructions(function, adaptive=True)
    return any(step.opname == "RESUME_QUICK" for step in steps)
print(json.dumps({
    "left_out_imported": imported,
    "zones_read": known_zones.cache_info().currsize,
    "missing": [n for n in %r if entry_module(n) not in sys.modules],
    "at_start_missing": [name for name in AT_START if name not in sys.modules],
    "alembic": "alembic" in sys.modules,
    "aiosmtplib": "aiosmtplib" in sys.modules,
    "frozen": gc.get_freeze_count(),
    "threads": threading.active_count(),
    "quickened": {
        function.__qualname__: quickened(function)
        for function in (
            Session.add_all, Session.merge, Session.execute, BaseSettings._settings_build_values
        )
    },
}))
"""


@pytest.mark.timeout(90)  # imports every service in a new interpreter: above the probe's own 60 s
def test_the_preload_imports_every_service_starts_no_thread_and_freezes() -> None:
    probe = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", PROBE % (list(SERVICE_NAMES),)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found = json.loads(probe.stdout)
    assert found["missing"] == []
    assert found["at_start_missing"] == []
    assert found["left_out_imported"] == []
    assert not found["alembic"]  # imported by a service whose database is behind, not at power-on
    assert not found["aiosmtplib"]  # imported by events at its first email
    assert found["frozen"] > 10_000
    assert found["zones_read"] == 1  # the time zones, which every service looks its zone up in
    # A thread alive at fork time would leave its locks held in every service.
    assert found["threads"] == 1
    # What every store and every service's start runs, quickened once in the shared pages.
    assert found["quickened"] == dict.fromkeys(found["quickened"], True)


def test_a_module_left_out_cannot_be_imported_meanwhile_and_can_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "left_out_probe.py").write_text("THERE = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "left_out_probe", raising=False)
    with left_out(["left_out_probe", "json"]):
        with pytest.raises(ImportError):
            importlib.import_module("left_out_probe")
        assert importlib.import_module("json") is json  # imported before: left as it is
    assert importlib.import_module("left_out_probe").THERE


def test_a_service_shows_its_own_and_the_shared_families_only() -> None:
    own = Counter("actkit_probe_one_things_total", "Things of probe_one.")
    other = Counter("actkit_probe_two_things_total", "Things of probe_two.")
    own.inc()
    other.inc()
    text = generate_latest(ServiceMetrics("probe_one")).decode()
    assert "actkit_probe_one_things_total 1.0" in text
    assert "actkit_probe_two" not in text
    assert "# TYPE actkit_bus_messages_total counter" in text
    assert "process_cpu_seconds_total" in text or "python_info" in text


def _fail(error: BaseException) -> Callable[[], None]:
    def main() -> None:
        raise error

    return main


@pytest.mark.parametrize(
    ("main", "code", "traceback"),
    [
        (lambda: None, 0, False),
        (_fail(SystemExit(3)), 3, False),
        (_fail(SystemExit(None)), 0, False),
        (_fail(SystemExit("a message instead of a code")), 1, False),
        (_fail(KeyboardInterrupt()), 1, True),
        (_fail(ValueError("broken")), 1, True),
    ],
)
def test_a_forked_service_ends_with_its_exit_code_whatever_happens(
    main: Callable[[], None], code: int, traceback: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    assert exit_code(main) == code
    err = capsys.readouterr().err
    assert ("Traceback" in err) is traceback
    assert ("a message instead of a code" in err) is (code == 1 and not traceback)


def test_a_forked_child_closes_only_what_is_still_open_on_the_same_file() -> None:
    kept_read, kept_write = os.pipe()
    reopened_read, reopened_write = os.pipe()
    gone_read, gone_write = os.pipe()
    recorded = open_descriptors()
    mine = (kept_read, kept_write, reopened_read, reopened_write, gone_read)
    assert set(mine) <= set(recorded)
    os.close(gone_read)
    os.close(gone_write)
    # As libuv does in a forked child: its pipe closed, and a new one under the same numbers.
    os.close(reopened_read)
    os.close(reopened_write)
    new_read, new_write = os.pipe()
    assert {new_read, new_write} == {reopened_read, reopened_write}
    try:
        close_inherited({fd: recorded[fd] for fd in mine})
        for fd in (kept_read, kept_write):
            with pytest.raises(OSError):
                os.fstat(fd)
        os.write(new_write, b"x")
        assert os.read(new_read, 1) == b"x"
    finally:
        os.close(new_read)
        os.close(new_write)


WARM_UP = """
import json, sys
import actkit_core.preload
from actkit_core.preload import warm_up_migrations
warm_up_migrations("web", {"ACTKIT_WEB_DATA_DIR": %(folder)r})
web = "alembic" in sys.modules
warm_up_migrations("io", {"ACTKIT_IO_DATA_DIR": %(folder)r})
print(json.dumps({"after_web": web, "after_io": "alembic.command" in sys.modules}))
"""


@pytest.mark.timeout(150)
def test_alembic_is_preloaded_only_when_a_service_is_to_migrate(tmp_path: Path) -> None:
    def probe() -> dict[str, bool]:
        found = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", WARM_UP % {"folder": str(tmp_path)}],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return dict(json.loads(found.stdout))

    # A first start: io's database is still to be made; web has none.
    assert probe() == {"after_web": False, "after_io": True}
    migrate("actkit_io:migrations", tmp_path / "io.db")
    # A power-on: io's database is at its head.
    assert probe() == {"after_web": False, "after_io": False}


def test_the_services_console_scripts_are_read_once_and_an_unknown_one_is_refused() -> None:
    launch._console_scripts.cache_clear()
    assert console_script("io").module == "actkit_io.main"
    assert console_script("web").name == "actkit-web"
    assert launch._console_scripts.cache_info().misses == 1
    with pytest.raises(ValueError, match="not enough values"):
        console_script("toaster")
