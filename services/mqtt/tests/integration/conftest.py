from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, TypeVar

import pytest_asyncio

from actkit_core.bus import Bus
from actkit_core.testing.certificate_store import CertificateStore
from actkit_core.testing.eventually import eventually
from actkit_core.testing.mosquitto import Mosquitto
from actkit_core.testing.plugin import running
from actkit_mqtt.main import serve
from actkit_mqtt.settings import MqttSettings
from actkit_proto.base import Event
from actkit_proto.mqtt import (
    ClientSettings,
    ClientStatus,
    ConnectionState,
    GetClientStatus,
    SetClientSettings,
)
from actkit_proto.system import GetIdentity, Identity

SERIAL = "B8A44F0000AA"
E = TypeVar("E", bound=Event)


async def wait_state(bus: Bus, state: ConnectionState, timeout_s: float = 15.0) -> ClientStatus:
    async def read() -> ClientStatus | None:
        status = await bus.request(GetClientStatus())
        return status if status.state is state else None

    return await eventually(read, timeout_s=timeout_s, interval_s=0.05)


class Recorder(list[E]):
    """Collects the events of one type published on the bus."""

    async def __call__(self, event: E) -> None:
        self.append(event)


async def record(bus: Bus, event_type: type[E], **ids: str) -> Recorder[E]:
    recorder: Recorder[E] = Recorder()
    await bus.subscribe(event_type, recorder, **ids)
    await bus.client.flush()
    return recorder


def service_settings(nats_server: str, tmp_path: Path) -> MqttSettings:
    return MqttSettings(
        nats_url=nats_server,
        data_dir=tmp_path,
        metrics_port=0,
        retry_min_s=0.2,
        retry_max_s=1.0,
    )


async def _identity(_command: GetIdentity, _deps: None) -> Identity:
    return Identity(
        model="AXIS W401",
        product_name="AXIS W401 Body Worn Activation Kit",
        serial_number=SERIAL,
        mac_address=":".join(SERIAL[i : i + 2] for i in range(0, 12, 2)),
        software_version="12.0.0",
        build="test",
    )


@pytest_asyncio.fixture
async def system(nats_server: str) -> AsyncIterator[None]:
    """Stands in for the system service: the device identity the mqtt service asks for."""
    async with Bus.connect("system", servers=[nats_server]) as system_bus:
        await system_bus.serve({GetIdentity: _identity}, None, version="0.0.0")
        yield


@pytest_asyncio.fixture
async def certificate_store(
    nats_server: str, mosquitto: Mosquitto
) -> AsyncIterator[CertificateStore]:
    """accounts' certificate store on the bus, holding the broker's CA as ``broker-ca``."""
    store = CertificateStore({"broker-ca": (mosquitto.ca_pem, "")})
    async with Bus.connect("accounts", servers=[nats_server]) as accounts_bus:
        await accounts_bus.serve(store.handlers(), None, version="0.0.0")
        yield store


@pytest_asyncio.fixture
async def service(bus: Bus, nats_server: str, tmp_path: Path, system: None) -> AsyncIterator[Bus]:
    """The mqtt service running in this test's loop; yields the client bus to drive it."""
    async with running(serve, service_settings(nats_server, tmp_path)):
        yield bus


async def connect(bus: Bus, broker: Mosquitto, **changes: Any) -> ClientSettings:
    """Point the service at ``broker`` (plain TCP unless ``changes`` say otherwise)."""
    changes.setdefault("port", broker.tcp_port)
    return await bus.request(
        SetClientSettings(is_enabled=True, host=broker.host, **changes), timeout_s=10
    )
