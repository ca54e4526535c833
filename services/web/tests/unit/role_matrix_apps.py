"""The role matrix's rows for the Apps page and its REST routes (the stand-in: fake_apps.py)."""

from __future__ import annotations

from typing import Any

from .role_matrix_data import ADMIN, OPERATOR, VIEWER

PACKAGE = {"manifest": '{"name": "trip-log"}', "upload_id": "up-00001"}

APP_ROUTES: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("GET", "/api/v1/apps"): (VIEWER, {}),
    ("PUT", "/api/v1/apps/upload"): (
        ADMIN,
        {"params": {"upload_id": "up-00002", "offset": "0"}, "content": b"image"},
    ),
    ("POST", "/api/v1/apps"): (ADMIN, {"json": PACKAGE}),
    ("POST", "/api/v1/apps/{name}/start"): (ADMIN, {}),
    ("POST", "/api/v1/apps/{name}/stop"): (ADMIN, {}),
    ("DELETE", "/api/v1/apps/{name}"): (ADMIN, {}),
    ("PUT", "/api/v1/apps/{name}/subjects"): (
        ADMIN,
        {"json": {"publish": ["io.port.*.set"], "subscribe": []}},
    ),
    ("GET", "/api/v1/apps/{name}/log"): (OPERATOR, {}),
    ("GET", "/api/v1/apps/{name}/licence"): (VIEWER, {}),
    ("PUT", "/api/v1/apps/{name}/licence-key"): (ADMIN, {"json": {"key": "GOOD-KEY"}}),
    ("POST", "/api/v1/apps/{name}/licence-key/fetch"): (
        ADMIN,
        {"json": {"licence_code": "CODE-1"}},
    ),
    ("DELETE", "/api/v1/apps/{name}/licence-key"): (ADMIN, {}),
    ("GET", "/api/v1/apps/{name}/settings"): (VIEWER, {}),
    ("PUT", "/api/v1/apps/{name}/settings"): (ADMIN, {"json": {"values": {"label": "car 2"}}}),
    ("GET", "/api/v1/apps-settings"): (VIEWER, {}),
    ("PUT", "/api/v1/apps-settings"): (
        ADMIN,
        {"json": {"allow_unsigned": False, "public_keys": []}},
    ),
    ("GET", "/apps"): (VIEWER, {}),
    ("POST", "/apps/{name}/start"): (ADMIN, {}),
    ("POST", "/apps/{name}/stop"): (ADMIN, {}),
    ("POST", "/apps/{name}/delete"): (ADMIN, {}),
    ("POST", "/apps/{name}/subjects"): (ADMIN, {"data": {"publish": "io.port.*.set"}}),
    ("POST", "/apps/{name}/licence-key"): (ADMIN, {"data": {"key": "GOOD-KEY"}}),
    ("POST", "/apps/{name}/licence-key/fetch"): (ADMIN, {"data": {"licence_code": "CODE-1"}}),
    ("POST", "/apps/{name}/licence-key/delete"): (ADMIN, {}),
    ("GET", "/apps/{name}"): (VIEWER, {}),
    ("GET", "/apps/{name}/{path:path}"): (VIEWER, {}),
    ("HEAD", "/apps/{name}/{path:path}"): (VIEWER, {}),
    ("GET", "/apps/{name}/settings"): (VIEWER, {}),
    ("POST", "/apps/{name}/settings"): (ADMIN, {"data": {"label": "car 2"}}),
    ("POST", "/apps-settings"): (ADMIN, {"data": {"allow_unsigned": "true", "public_keys": ""}}),
}
