"""Schemathesis against the REST API's OpenAPI: whatever the input, no server error, and every
answer has a status and a body the document declares for its operation."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from actkit_core.testing.fake_bus import FakeBus
from actkit_web.app import create_app
from actkit_web.settings import WebSettings

from ..conftest import basic
from ..fake_accounts import FakeAccounts
from ..fake_apps import FakeApps
from ..fake_events import FakeEvents
from ..fake_io import FakeIo
from ..fake_maintenance import FakeSystem
from ..fake_mqtt import FakeMqtt
from ..fake_settings import FakeSettings

pytestmark = pytest.mark.timeout(120)


def _app() -> FastAPI:
    bus = FakeBus()

    async def install() -> None:
        await FakeAccounts().install(bus)
        await FakeIo().install(bus)
        await FakeEvents().install(bus)
        await FakeSystem().install(bus)
        await FakeSettings().install(bus)
        await FakeMqtt().install(bus)
        await FakeApps().install(bus)

    asyncio.run(install())
    return create_app(WebSettings(data_dir=Path(tempfile.mkdtemp()), metrics_port=0), bus)


schema = schemathesis.openapi.from_asgi("/api/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_api_fail_or_answer_undocumented(case: Any) -> None:
    case.call_and_validate(
        headers=basic("admin"),
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
    )
