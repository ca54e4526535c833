import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest_asyncio

from actkit_core.db import open_db
from actkit_core.lifecycle import Runtime
from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_network.handlers import HANDLERS, Deps
from actkit_network.main import MIGRATIONS, build_deps
from actkit_network.settings import NetworkSettings
from actkit_proto.accounts import CertificateInfo, SetWebCertificate
from actkit_proto.errors import NotFound
from actkit_proto.system import GetIdentity, Identity

IDENTITY = Identity(
    model="AXIS W401",
    product_name="AXIS W401 Body Worn Activation Kit",
    serial_number="ACCC8E123456",
    mac_address="AC:CC:8E:12:34:56",
    software_version="1.0.0",
    build="test",
)
"""What the system service tells (the device's one identity)."""


STORED_CERTIFICATES = ("default", "b", "fleet-web")
"""The client/server certificates accounts holds with their keys, as far as network asks."""


async def tell_identity(_command: GetIdentity) -> Identity:
    return IDENTITY


async def choose_web_certificate(command: SetWebCertificate) -> CertificateInfo:
    """accounts' answer: a certificate it holds is HTTPS's from now on; another is not found."""
    if command.cert_id not in STORED_CERTIFICATES:
        raise NotFound(f"there is no certificate {command.cert_id!r}")
    return CertificateInfo.model_construct(cert_id=command.cert_id, used_by=["https"])


@pytest_asyncio.fixture
async def deps(
    fake_bus: FakeBus, tmp_db: Callable[[str], Path], clock: FakeClock
) -> AsyncIterator[Deps]:
    """The network service as main.py builds it, on a FakeBus, a fresh database and sim adapters.

    The system service answers the identity, as it does once the stack is up.
    """
    fake_bus.answer(GetIdentity, tell_identity)
    fake_bus.answer(SetWebCertificate, choose_web_certificate)
    settings = NetworkSettings(db_path=tmp_db(MIGRATIONS))
    async with contextlib.AsyncExitStack() as stack:
        sessions = await stack.enter_async_context(open_db(settings.database))
        built = await stack.enter_async_context(
            build_deps(settings, Runtime(fake_bus, sessions), clock)  # type: ignore[arg-type]
        )
        await fake_bus.serve(HANDLERS, built)
        yield built
