"""The cloud connection: when the device links to HQ, the control button, HQ's claim, the files."""

import dataclasses
import re
from pathlib import Path

import pytest

from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_network.handlers import Deps, o3c
from actkit_network.handlers.deps import CloudLink
from actkit_network.handlers.o3c import apply_o3c, end_unclaimed_o3c
from actkit_proto import Forbidden, Invalid
from actkit_proto.base import Ack
from actkit_proto.io import ButtonPressed, LedColour, SetLed
from actkit_proto.network import (
    ClaimO3c,
    GetO3c,
    GetO3cStatus,
    O3cMode,
    O3cSettings,
    SetO3c,
)
from actkit_proto.params import RestoreScope, RestoreSettings
from actkit_proto.system import ReloadBusServer

from ..conftest import CertificateStandIn

SEED = "SU" + "A" * 56
LINK = O3cSettings(mode=O3cMode.ALWAYS, hq_urls=["tls://hq.example:7422"], nkey_seed=SEED)


@pytest.fixture
def leds(fake_bus: FakeBus) -> list[SetLed]:
    shown: list[SetLed] = []

    async def show(command: SetLed) -> Ack:
        shown.append(command)
        return Ack()

    fake_bus.answer(SetLed, show)
    return shown


@pytest.fixture
def linked(deps: Deps, tmp_path: Path) -> Deps:
    """The service as actkit run starts it: the include files there, no nats-server to reload."""
    (tmp_path / "fleet.conf").write_text("")

    async def prepare(_vehicle_id: str) -> None:
        return None

    cloud = CloudLink(tmp_path, tmp_path / "ports", tmp_path / "certificates", prepare)
    return dataclasses.replace(deps, cloud=cloud)


async def test_the_page_shows_a_stable_key_and_why_the_device_is_not_linked(
    fake_bus: FakeBus, deps: Deps
) -> None:
    status = await fake_bus.request(GetO3cStatus())
    assert status.is_linked is False and status.vehicle_id == "ACCC8E123456"
    assert status.reason is not None and "HQ's addresses" in status.reason
    assert re.fullmatch(r"([A-Z2-9]{4}-){3}[A-Z2-9]{4}", status.owner_authentication_key or "")
    again = await fake_bus.request(GetO3cStatus())
    assert again.owner_authentication_key == status.owner_authentication_key


async def test_always_writes_the_link_and_no_takes_it_away(
    fake_bus: FakeBus, linked: Deps, tmp_path: Path
) -> None:
    stored = await fake_bus.request(SetO3c(settings=LINK))
    assert stored.has_nkey_seed is True and stored.nkey_seed is None
    assert (await fake_bus.request(GetO3c())).nkey_seed is None
    status = await apply_o3c(linked)
    assert status.is_linked is True
    server = (tmp_path / "fleet.conf").read_text()
    assert "server_name: ACCC8E123456" in server and SEED in server
    assert (tmp_path / "fleet.conf").stat().st_mode & 0o077 == 0
    assert "veh.ACCC8E123456.cmd.network.o3c.claim" in (tmp_path / "fleet-account.conf").read_text()
    await fake_bus.request(SetO3c(settings=LINK.model_copy(update={"mode": O3cMode.NO})))
    assert (await apply_o3c(linked)).reason == "Allow O3C is No"
    assert "No link" in (tmp_path / "fleet.conf").read_text()


async def test_no_link_on_a_first_start_leaves_the_empty_files_and_nats_server_alone(
    linked: Deps, tmp_path: Path
) -> None:
    (tmp_path / "fleet-account.conf").write_text("")
    assert (await apply_o3c(linked)).is_linked is False
    # Unwritten: a reload of nats-server while every service starts would disturb them.
    assert (tmp_path / "fleet.conf").read_text() == ""
    assert (tmp_path / "fleet-account.conf").read_text() == ""


async def test_where_no_nats_server_runs_here_the_system_service_restarts_or_reloads_it(
    fake_bus: FakeBus, linked: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The board: nats-server is a container of its own, which only system's engine reaches."""
    monkeypatch.setattr(o3c, "RESTART_PAUSE_S", 0.0)
    asked: list[ReloadBusServer] = []

    async def reload(command: ReloadBusServer) -> Ack:
        asked.append(command)
        return Ack()

    fake_bus.answer(ReloadBusServer, reload)
    await fake_bus.request(SetO3c(settings=LINK))
    await apply_o3c(linked)  # the first link: a new server name and JetStream domain
    assert asked == [ReloadBusServer(restart=True)]
    other_hq = LINK.model_copy(update={"hq_urls": ["tls://hq2.example:7422"]})
    await fake_bus.request(SetO3c(settings=other_hq))
    await apply_o3c(linked)  # the same name and domain: a reload keeps the connections
    assert asked[1:] == [ReloadBusServer(restart=False)]
    await apply_o3c(linked)  # nothing changed: nothing asked
    assert len(asked) == 2


async def test_one_click_links_for_24_hours_unless_hq_claims_the_device(
    fake_bus: FakeBus, deps: Deps, clock: FakeClock, leds: list[SetLed]
) -> None:
    await fake_bus.request(SetO3c(settings=LINK.model_copy(update={"mode": O3cMode.ONE_CLICK})))
    status = await fake_bus.request(GetO3cStatus())
    assert status.is_linked is False and "press the control button" in (status.reason or "")

    await fake_bus.publish(ButtonPressed())
    status = await fake_bus.request(GetO3cStatus())
    assert status.is_linked is True and status.claim_deadline is not None
    assert [(led.colour, led.count) for led in leds] == [(LedColour.GREEN, 3)]

    clock.advance(hours=23)
    assert await end_unclaimed_o3c(deps) == 3600
    clock.advance(hours=1)
    assert await end_unclaimed_o3c(deps) is None
    status = await fake_bus.request(GetO3cStatus())
    assert status.is_linked is False and "within 24 hours" in (status.reason or "")

    await fake_bus.publish(ButtonPressed())
    key = (await fake_bus.request(GetO3cStatus())).owner_authentication_key
    assert key is not None
    with pytest.raises(Forbidden, match="not this device's owner authentication key"):
        await fake_bus.request(ClaimO3c(owner_authentication_key="ABCD-EFGH-0000-0000"))
    assert (await fake_bus.request(GetO3cStatus())).is_claimed is False
    await fake_bus.request(ClaimO3c(owner_authentication_key=key.lower()))
    clock.advance(hours=48)
    assert await end_unclaimed_o3c(deps) is None
    status = await fake_bus.request(GetO3cStatus())
    assert status.is_linked and status.is_claimed and status.claim_deadline is None

    await fake_bus.request(RestoreSettings(service="network", scope=RestoreScope.RESTORE))
    kept = await fake_bus.request(GetO3cStatus())
    assert kept.is_claimed is True and kept.owner_authentication_key == key


async def test_the_button_does_nothing_but_in_one_click_and_flashes_red_when_it_cannot(
    fake_bus: FakeBus, deps: Deps, leds: list[SetLed]
) -> None:
    await fake_bus.request(SetO3c(settings=LINK))
    await fake_bus.publish(ButtonPressed())
    assert leds == []
    assert (await fake_bus.request(GetO3cStatus())).claim_deadline is None
    await fake_bus.request(SetO3c(settings=O3cSettings(mode=O3cMode.ONE_CLICK)))
    await fake_bus.publish(ButtonPressed())
    assert [(led.colour, led.count) for led in leds] == [(LedColour.RED, 3)]


async def test_the_certificates_come_from_the_store_and_a_client_one_needs_its_key(
    fake_bus: FakeBus, linked: Deps, certificate_store: CertificateStandIn, tmp_path: Path
) -> None:
    no_key = LINK.model_copy(update={"client_certificate": "fleet-ca", "ca_certificate": "root-ca"})
    with pytest.raises(Invalid, match="no private key"):
        await fake_bus.request(SetO3c(settings=no_key))
    assert not any(certificate_store.used_by.values())
    mtls = LINK.model_copy(update={"client_certificate": "car-12", "ca_certificate": "fleet-ca"})
    await fake_bus.request(SetO3c(settings=mtls))
    used = {cert_id: users for cert_id, users in certificate_store.used_by.items() if users}
    assert used == {"car-12": {"o3c"}, "fleet-ca": {"o3c"}}
    await apply_o3c(linked)
    server = (tmp_path / "fleet.conf").read_text()
    assert f'cert_file: "{tmp_path}/certificates/car-12.pem"' in server
    await fake_bus.request(RestoreSettings(service="network", scope=RestoreScope.FACTORY_DEFAULT))
    assert not any(certificate_store.used_by.values())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"hq_urls": ["wss://hq.example"], "proxy_host": "proxy", "proxy_port": 3128},
            "needs the client and CA certificates",
        ),
        ({"client_certificate": "car-12"}, "both the client certificate"),
        (
            {
                "proxy_host": "proxy",
                "proxy_port": 3128,
                "proxy_login": "car",
                "proxy_auth": "digest",
            },
            "Basic only",
        ),
        ({"hq_urls": ["http://hq.example"]}, "String should match"),
        ({"nkey_seed": "SUshort"}, "String should match"),
    ],
)
def test_a_link_the_leaf_transport_cannot_make_is_refused(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        O3cSettings.model_validate({**LINK.model_dump(), **change})
