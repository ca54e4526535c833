"""Forking services from a preloaded parent: what the preload leaves, what /metrics shows."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import prometheus_client
from prometheus_client import generate_latest

from actkit_core.metrics import ServiceMetrics
from actkit_proto.services import SERVICE_NAMES

MODULES = "import json, sys; print(json.dumps(sorted(sys.modules)))"
ENTRY = """
from importlib import import_module, metadata
(entry,) = metadata.entry_points(group="console_scripts", name="actkit-%s")
import_module(entry.module)
"""
PRELOAD = """
import gc, json, threading
import actkit_core.preload
print(json.dumps({"frozen": gc.get_freeze_count(), "threads": threading.active_count()}))
"""


def python(code: str) -> Any:
    """What ``code``, run in a new interpreter, prints as JSON."""
    run = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(run.stdout)


def test_the_preload_holds_what_two_services_import_starts_no_thread_and_freezes() -> None:
    with ThreadPoolExecutor() as pool:
        imported = list(pool.map(python, [ENTRY % name + MODULES for name in SERVICE_NAMES]))
    users = Counter(module for modules in imported for module in modules)
    preloaded = set(python("import actkit_core.preload\n" + MODULES))
    assert {module for module, count in users.items() if count >= 2} - preloaded == set()
    found = python(PRELOAD)
    assert found["frozen"] > 10_000
    # A thread alive at fork time would leave its locks held in every service.
    assert found["threads"] == 1


def test_a_service_shows_its_own_and_the_shared_families_only() -> None:
    own = prometheus_client.Counter("actkit_probe_one_things_total", "Things of probe_one.")
    other = prometheus_client.Counter("actkit_probe_two_things_total", "Things of probe_two.")
    own.inc()
    other.inc()
    text = generate_latest(ServiceMetrics("probe_one")).decode()
    assert "actkit_probe_one_things_total 1.0" in text
    assert "actkit_probe_two" not in text
    assert "# TYPE actkit_bus_messages_total counter" in text
    assert "process_cpu_seconds_total" in text or "python_info" in text
