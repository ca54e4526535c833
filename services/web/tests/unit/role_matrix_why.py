"""The role matrix's rows for why a rule did not fire, the beacons, the ignition, the LED and
the Status page's security summary and connected clients."""

from __future__ import annotations

from typing import Any

from .role_matrix_data import ADMIN, VIEWER

WHY_ROUTES: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("GET", "/api/v1/rules/{rule_id}/trace"): (VIEWER, {}),
    ("GET", "/api/v1/event-log"): (VIEWER, {"params": {"rule_id": "1", "limit": "10"}}),
    ("GET", "/api/v1/ble/broadcasts"): (VIEWER, {}),
    ("GET", "/api/v1/ble/beacons"): (VIEWER, {}),
    ("GET", "/api/v1/ignition"): (VIEWER, {}),
    ("GET", "/api/v1/led"): (VIEWER, {}),
    ("GET", "/api/v1/status/security"): (VIEWER, {}),
    ("GET", "/api/v1/status/clients"): (ADMIN, {}),
}
"""Status a viewer reads (no setting, nothing about getting in); the clients' addresses are an
administrator's, as the access log is."""
