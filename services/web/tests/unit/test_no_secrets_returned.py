"""Every GET of the REST API, as each role: no secret comes back, only ``has_*`` flags.

The owners behind the routes are stand-ins here; ``tests/test_no_secrets_on_the_bus.py`` asks the
real owners every query over the bus.
"""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from actkit_core.testing.secrets import secret_fields
from actkit_proto.accounts import AuthSettings

from ..conftest import basic
from ..fake_accounts import FakeAccounts
from ..fake_mqtt import FakeMqtt
from ..fake_settings import FakeSettings
from .test_role_matrix import ADMIN, IDS, OPERATOR, RANK, ROUTES, VIEWER, _existing_settings

IDS_IN_PATHS = IDS | {"{port_id}": "2", "{name}": "view", "{rule_id}": "1"}
IDS_IN_PATHS |= {"{trigger_id}": "3", "{recipient_id}": "1"}
ENDLESS = ("/live/",)
KNOWN = {"/api/v1/session.csrf_token"}
"""The caller's own session's anti-forgery token, which it must send back: no stored secret."""
ANONYMOUS = "anonymous"
"""A caller without credentials while anonymous viewing is on: it reads what a viewer reads."""


@pytest.mark.parametrize("caller", [ANONYMOUS, VIEWER, OPERATOR, ADMIN])
async def test_no_get_route_returns_a_secret_to_any_role(
    app: FastAPI,
    client: httpx.AsyncClient,
    accounts: FakeAccounts,
    owners: FakeSettings,
    mqtt: FakeMqtt,
    caller: str,
) -> None:
    accounts.is_setup_required = False
    accounts.auth = AuthSettings(allow_anonymous_viewing=True)
    await _existing_settings(owners, mqtt)
    rank = RANK[VIEWER] if caller == ANONYMOUS else RANK[caller]
    headers = {} if caller == ANONYMOUS else basic(caller)
    paths = app.openapi()["paths"]
    gets = sorted(path for path, methods in paths.items() if "get" in methods)
    assert "/api/v1/network/snmp" in gets
    readable = [path for path in gets if RANK[ROUTES[("GET", path)][0]] <= rank]
    found = []
    for path in readable:
        if path.startswith(ENDLESS):
            continue
        url = path
        for name, value in IDS_IN_PATHS.items():
            url = url.replace(name, value)
        response = await client.get(url, headers=headers)
        assert response.status_code < 400, (url, response.text)
        if response.headers.get("content-type", "").startswith("application/json"):
            found += secret_fields(response.json(), url)
    assert [field for field in found if field not in KNOWN] == []
    assert "/api/v1/recipients" in readable
    assert ("/api/v1/accounts" in readable) == (caller == ADMIN)
