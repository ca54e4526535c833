"""The client's certificates come from accounts' store by id, marked in use there."""

from actkit_core.testing.fake_bus import FakeBus
from actkit_mqtt.handlers import Deps
from actkit_proto import Unavailable
from actkit_proto.accounts import CertificateInfo, GetCertificate, SetCertificateUse
from actkit_proto.mqtt import (
    ClientStatusChanged,
    ConnectionState,
    GetClientStatus,
    SetClientSettings,
    Transport,
)
from actkit_proto.params import RestoreScope, RestoreSettings

from ..conftest import RecordingBroker


def _answer_uses(fake_bus: FakeBus) -> dict[str, set[str]]:
    used_by: dict[str, set[str]] = {}

    async def set_use(command: SetCertificateUse) -> CertificateInfo:
        users = used_by.setdefault(command.cert_id, set())
        (users.add if command.is_used else users.discard)(command.user)
        return CertificateInfo.model_construct(cert_id=command.cert_id, has_private_key=False)

    fake_bus.answer(SetCertificateUse, set_use)
    return used_by


async def test_a_store_that_does_not_answer_leaves_the_client_disconnected_with_the_reason(
    fake_bus: FakeBus, deps: Deps, broker: RecordingBroker
) -> None:
    used_by = _answer_uses(fake_bus)
    await fake_bus.request(SetClientSettings(host="broker.example", transport=Transport.SSL))
    await fake_bus.request(SetClientSettings(ca_certificate="fleet-ca"))
    assert used_by == {"fleet-ca": {"mqtt"}}

    async def down(_command: GetCertificate) -> CertificateInfo:
        raise Unavailable("accounts is restarting")

    fake_bus.answer(GetCertificate, down)
    await fake_bus.request(SetClientSettings(is_enabled=True))

    assert not broker.is_connected
    status = await fake_bus.request(GetClientStatus())
    assert status.state is ConnectionState.ERROR
    assert status.reason == (
        "the certificate store did not give the chosen certificates: accounts is restarting"
    )
    assert fake_bus.published[-1] == ClientStatusChanged(
        state=ConnectionState.ERROR, reason=status.reason
    )


async def test_restore_releases_the_certificates_the_client_used(
    fake_bus: FakeBus, deps: Deps
) -> None:
    used_by = _answer_uses(fake_bus)
    await fake_bus.request(SetClientSettings(ca_certificate="fleet-ca"))
    await fake_bus.request(RestoreSettings(service="mqtt", scope=RestoreScope.FACTORY_DEFAULT))
    assert used_by == {"fleet-ca": set()}
