"""The web app on a FakeBus with stand-ins for its owners (fake_*.py), and an HTTP client."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from actkit_core.testing.fake_bus import FakeBus
from actkit_web.app import create_app
from actkit_web.settings import WebSettings

from .fake_accounts import PASSWORDS, FakeAccounts
from .fake_apps import FakeApps
from .fake_events import FakeEvents
from .fake_io import FakeIo
from .fake_maintenance import FakeSystem
from .fake_mqtt import FakeMqtt
from .fake_settings import FakeSettings


async def log_in(client: httpx.AsyncClient, name: str = "admin") -> str:
    """Log in through the REST API (the client keeps the cookie); the session's CSRF token."""
    login = await client.post("/api/v1/session", json={"name": name, "password": PASSWORDS[name]})
    return str(login.json()["csrf_token"])


def basic(name: str) -> dict[str, str]:
    token = base64.b64encode(f"{name}:{PASSWORDS[name]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest_asyncio.fixture
async def accounts(fake_bus: FakeBus) -> FakeAccounts:
    fake = FakeAccounts()
    await fake.install(fake_bus)
    return fake


@pytest_asyncio.fixture
async def io(fake_bus: FakeBus) -> FakeIo:
    fake = FakeIo()
    await fake.install(fake_bus)
    return fake


@pytest_asyncio.fixture
async def events(fake_bus: FakeBus) -> FakeEvents:

    fake = FakeEvents()
    await fake.install(fake_bus)
    return fake


@pytest_asyncio.fixture
async def system(fake_bus: FakeBus) -> FakeSystem:

    fake = FakeSystem()
    await fake.install(fake_bus)
    return fake


@pytest_asyncio.fixture
async def owners(fake_bus: FakeBus) -> FakeSettings:

    fake = FakeSettings()
    await fake.install(fake_bus)
    return fake


@pytest_asyncio.fixture
async def mqtt(fake_bus: FakeBus) -> FakeMqtt:

    fake = FakeMqtt()
    await fake.install(fake_bus)
    return fake


@pytest_asyncio.fixture
async def apps(fake_bus: FakeBus) -> FakeApps:
    fake = FakeApps()
    await fake.install(fake_bus)
    return fake


@pytest.fixture
def app(
    fake_bus: FakeBus,
    accounts: FakeAccounts,
    io: FakeIo,
    events: FakeEvents,
    owners: FakeSettings,
    mqtt: FakeMqtt,
    system: FakeSystem,
    apps: FakeApps,
    tmp_path: Path,
) -> FastAPI:
    return create_app(WebSettings(data_dir=tmp_path, metrics_port=0), fake_bus)


@pytest_asyncio.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://device") as http:
        yield http
