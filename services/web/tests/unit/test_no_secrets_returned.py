"""Every GET of the REST API, as an administrator: no secret comes back, only ``has_*`` flags."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI

from ..conftest import FakeAccounts, basic
from ..fake_mqtt import FakeMqtt
from ..fake_settings import FakeSettings
from .test_role_matrix import IDS, _existing_settings

SECRET = re.compile(r"password|passphrase|psk|community|secret|token|private_key|cak", re.I)
IDS_IN_PATHS = IDS | {"{port_id}": "2", "{name}": "view", "{rule_id}": "1"}
IDS_IN_PATHS |= {"{trigger_id}": "3", "{recipient_id}": "1"}
ENDLESS = ("/live/",)
KNOWN = {"/api/v1/session.csrf_token"}
"""The caller's own session's anti-forgery token, which it must send back: no stored secret."""


def _secrets(value: Any, where: str) -> list[str]:
    """The secret-looking fields in a JSON answer that carry a value (``None`` hides one)."""
    found = []
    if isinstance(value, dict):
        for name, inner in value.items():
            is_flag = name.startswith("has_")
            if SECRET.search(name) and not is_flag and inner is not None:
                found.append(f"{where}.{name}")
            found += _secrets(inner, f"{where}.{name}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _secrets(inner, f"{where}[{index}]")
    return found


async def test_no_get_route_returns_a_secret_even_to_an_administrator(
    app: FastAPI,
    client: httpx.AsyncClient,
    accounts: FakeAccounts,
    owners: FakeSettings,
    mqtt: FakeMqtt,
) -> None:
    accounts.is_setup_required = False
    await _existing_settings(owners, mqtt)
    paths = app.openapi()["paths"]
    gets = sorted(path for path, methods in paths.items() if "get" in methods)
    assert "/api/v1/network/snmp" in gets
    found = []
    for path in gets:
        if path.startswith(ENDLESS):
            continue
        url = path
        for name, value in IDS_IN_PATHS.items():
            url = url.replace(name, value)
        response = await client.get(url, headers=basic("admin"))
        assert response.status_code < 400, (url, response.text)
        if response.headers.get("content-type", "").startswith("application/json"):
            found += _secrets(response.json(), url)
    assert [field for field in found if field not in KNOWN] == []
