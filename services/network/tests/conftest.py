import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio

from actkit_core.db import open_db
from actkit_core.lifecycle import Runtime
from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_network.handlers import HANDLERS, Deps
from actkit_network.main import MIGRATIONS, build_deps
from actkit_network.settings import NetworkSettings
from actkit_proto.accounts import CertificateInfo, SetCertificateUse, SetWebCertificate
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


@dataclass
class CertificateStandIn:
    """accounts' certificate store as far as network asks: by id, whether it holds the key."""

    has_key: dict[str, bool] = field(
        default_factory=lambda: (
            {"default": True, "b": True, "fleet-web": True, "car-12": True}
            | {"fleet-ca": False, "root-ca": False}
        )
    )
    used_by: dict[str, set[str]] = field(default_factory=dict)
    web: str = "default"
    """The certificate HTTPS is served with."""

    def install(self, bus: FakeBus) -> None:
        bus.answer(SetWebCertificate, self.choose_web_certificate)
        bus.answer(SetCertificateUse, self.set_use)

    def _known(self, cert_id: str) -> None:
        if cert_id not in self.has_key:
            raise NotFound(f"there is no certificate {cert_id!r}")

    async def choose_web_certificate(self, command: SetWebCertificate) -> CertificateInfo:
        """A certificate it holds is HTTPS's from now on (none: ``default``); another is not
        found."""
        self.web = command.cert_id or "default"
        self._known(self.web)
        return CertificateInfo.model_construct(cert_id=self.web, used_by=["https"])

    async def set_use(self, command: SetCertificateUse) -> CertificateInfo:
        self._known(command.cert_id)
        users = self.used_by.setdefault(command.cert_id, set())
        (users.add if command.is_used else users.discard)(command.user)
        return CertificateInfo.model_construct(
            cert_id=command.cert_id,
            used_by=sorted(users),
            has_private_key=self.has_key[command.cert_id],
        )


async def tell_identity(_command: GetIdentity) -> Identity:
    return IDENTITY


@pytest.fixture
def certificate_store() -> CertificateStandIn:
    return CertificateStandIn()


@pytest_asyncio.fixture
async def deps(
    fake_bus: FakeBus,
    tmp_db: Callable[[str], Path],
    clock: FakeClock,
    certificate_store: CertificateStandIn,
    tmp_path: Path,
) -> AsyncIterator[Deps]:
    """The network service as main.py builds it, on a FakeBus, a fresh database and sim adapters.

    The system service answers the identity, as it does once the stack is up.
    """
    fake_bus.answer(GetIdentity, tell_identity)
    certificate_store.install(fake_bus)
    # A data folder of the test's own: the default (var/) is a running stack's after make run,
    # whose nats include files would make this service link and reload for real.
    settings = NetworkSettings(db_path=tmp_db(MIGRATIONS), data_dir=tmp_path / "var")
    async with contextlib.AsyncExitStack() as stack:
        sessions = await stack.enter_async_context(open_db(settings.database))
        built = await stack.enter_async_context(
            build_deps(settings, Runtime(fake_bus, sessions), clock)  # type: ignore[arg-type]
        )
        await fake_bus.serve(HANDLERS, built)
        yield built
