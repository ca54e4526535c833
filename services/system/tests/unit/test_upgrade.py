import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest

from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Conflict, Forbidden, Invalid
from actkit_proto.params import RestoreSettings
from actkit_proto.system import (
    ConfirmUpgrade,
    GetIdentity,
    GetUpgradeStatus,
    RollbackUpgrade,
    SetUpgradeSettings,
    StartUpgrade,
    UpgradeBundle,
    UpgradeMode,
    UpgradeSettings,
    UpgradeStage,
)
from actkit_system.adapters.sim import SimEngine
from actkit_system.domain.rollout import ServiceImage, read_release
from actkit_system.handlers import Deps
from actkit_system.handlers.rollout.bundle import generate_key, sign
from actkit_system.handlers.upgrade import advance_upgrade

from .rollouts import DIGEST, manifest, stages, upgrade


async def test_a_healthy_standard_upgrade_is_committed(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine, trusting: bytes
) -> None:
    status = await upgrade(fake_bus, deps, sign(manifest(), trusting))
    assert (status.stage, status.version, status.previous_version) == (
        UpgradeStage.COMMITTED,
        "1.1.0",
        "1.0.0",
    )
    assert engine.containers["actkit-io"].image == "actkit:1.1.0"
    assert engine.containers["actkit-mqtt"].image == "actkit:1.1.0"
    assert engine.containers["actkit-ble"].image == "actkit:1.0.0"
    assert not any(name.endswith("-previous") for name in engine.containers)
    assert stages(fake_bus) == [
        (UpgradeStage.VERIFYING, 0, None),
        (UpgradeStage.PULLING, 0, "io"),
        (UpgradeStage.REPLACING, 16, "io"),
        (UpgradeStage.HEALTH_CHECKING, 33, "io"),
        (UpgradeStage.PULLING, 50, "mqtt"),
        (UpgradeStage.REPLACING, 66, "mqtt"),
        (UpgradeStage.HEALTH_CHECKING, 83, "mqtt"),
        (UpgradeStage.COMMITTED, 100, None),
    ]
    identity = await fake_bus.request(GetIdentity())
    assert (identity.software_version, identity.build) == ("1.1.0", "b7")


async def test_an_unhealthy_service_rolls_every_replaced_one_back(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine, trusting: bytes
) -> None:
    engine.unhealthy_images.add("actkit:1.1.0")
    status = await upgrade(fake_bus, deps, sign(manifest(), trusting))
    assert status.stage is UpgradeStage.ROLLED_BACK
    assert "io: actkit-io is unhealthy" in status.message
    assert status.version == "1.0.0"
    assert engine.containers["actkit-io"].image == "actkit:1.0.0"
    assert engine.containers["actkit-io"].health == "healthy"
    assert engine.calls[-3:] == [
        "remove actkit-io",
        "rename actkit-io-previous actkit-io",
        "start actkit-io",
    ]
    assert "actkit-mqtt-previous" not in engine.containers


async def test_a_failure_at_the_second_service_puts_the_first_back_too(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine, trusting: bytes
) -> None:
    engine.missing_images.add("actkit:1.1.0-mqtt")
    bundle = json.loads(manifest())
    bundle["services"]["mqtt"]["image"] = "actkit:1.1.0-mqtt"
    status = await upgrade(fake_bus, deps, sign(json.dumps(bundle), trusting))
    assert status.stage is UpgradeStage.ROLLED_BACK
    assert "mqtt: pull actkit:1.1.0-mqtt: manifest unknown" in status.message
    assert engine.containers["actkit-io"].image == "actkit:1.0.0"
    assert engine.containers["actkit-mqtt"].image == "actkit:1.0.0"


async def test_autorollback_without_confirmation_rolls_back_at_the_deadline(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine, clock: FakeClock, trusting: bytes
) -> None:
    status = await upgrade(
        fake_bus,
        deps,
        sign(manifest(), trusting),
        mode=UpgradeMode.AUTOROLLBACK,
        confirm_within_s=600,
    )
    assert status.stage is UpgradeStage.AWAITING_CONFIRMATION
    assert status.confirm_by == clock.now().replace(minute=10)
    clock.advance(seconds=599)
    await advance_upgrade(deps)
    assert deps.upgrades.task is not None and deps.upgrades.task.done()
    clock.advance(seconds=1)
    await advance_upgrade(deps)
    await deps.upgrades.task
    status = await fake_bus.request(GetUpgradeStatus())
    assert (status.stage, status.version, status.previous_version) == (
        UpgradeStage.ROLLED_BACK,
        "1.0.0",
        None,
    )
    assert status.message == "not confirmed in time; back on 1.0.0"
    assert engine.containers["actkit-io"].image == "actkit:1.0.0"


async def test_a_confirmed_autorollback_upgrade_stays(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine, clock: FakeClock, trusting: bytes
) -> None:
    await upgrade(fake_bus, deps, sign(manifest(), trusting), mode=UpgradeMode.AUTOROLLBACK)
    status = await fake_bus.request(ConfirmUpgrade())
    assert status.stage is UpgradeStage.COMMITTED
    assert status.confirm_by is None
    clock.advance(days=1)
    await advance_upgrade(deps)
    assert engine.containers["actkit-io"].image == "actkit:1.1.0"
    with pytest.raises(Conflict, match="no upgrade waiting"):
        await fake_bus.request(ConfirmUpgrade())


async def test_rollback_returns_to_the_previous_version_once(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine, trusting: bytes
) -> None:
    with pytest.raises(Conflict, match="no previous version"):
        await fake_bus.request(RollbackUpgrade())
    await upgrade(fake_bus, deps, sign(manifest(), trusting))
    await fake_bus.request(RollbackUpgrade())
    assert deps.upgrades.task is not None
    await deps.upgrades.task
    status = await fake_bus.request(GetUpgradeStatus())
    assert (status.stage, status.version) == (UpgradeStage.ROLLED_BACK, "1.0.0")
    assert engine.containers["actkit-mqtt"].image == "actkit:1.0.0"
    with pytest.raises(Conflict, match="no previous version"):
        await fake_bus.request(RollbackUpgrade())


async def test_a_factory_default_upgrade_resets_settings_and_cannot_be_rolled_back(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine, trusting: bytes
) -> None:
    restored: list[RestoreSettings] = []

    async def record(command: RestoreSettings) -> object:
        restored.append(command)
        from actkit_proto import Ack

        return Ack()

    fake_bus.answer(RestoreSettings, record)  # type: ignore[arg-type]
    status = await upgrade(
        fake_bus, deps, sign(manifest(), trusting), mode=UpgradeMode.FACTORY_DEFAULT
    )
    assert (status.version, status.previous_version) == ("1.1.0", None)
    assert {command.service for command in restored} >= {"io", "network", "system"}
    assert all(command.scope.value == "factory_default" for command in restored)


async def test_unsigned_and_badly_signed_bundles_are_refused(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine, trusting: bytes, tmp_path: Path
) -> None:
    with pytest.raises(Forbidden, match="not signed"):
        await fake_bus.request(StartUpgrade(bundle=UpgradeBundle(manifest=manifest())))
    tampered = sign(manifest(), trusting).model_copy(update={"manifest": manifest("6.6.6")})
    with pytest.raises(Forbidden, match="does not verify"):
        await fake_bus.request(StartUpgrade(bundle=tampered))
    (tmp_path / "other").mkdir()
    generate_key(tmp_path / "other/key.pem", tmp_path / "other/key.pub")
    stranger = sign(manifest(), (tmp_path / "other/key.pem").read_bytes())
    with pytest.raises(Forbidden, match="does not verify"):
        await fake_bus.request(StartUpgrade(bundle=stranger))
    with pytest.raises(Invalid, match="not base64"):
        await fake_bus.request(
            StartUpgrade(bundle=UpgradeBundle(manifest=manifest(), signature="!!"))
        )
    assert engine.calls == []
    assert deps.upgrades.task is None


async def test_unsigned_bundles_install_when_allowed(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine
) -> None:
    await fake_bus.request(SetUpgradeSettings(settings=UpgradeSettings(allow_unsigned=True)))
    status = await upgrade(fake_bus, deps, UpgradeBundle(manifest=manifest()))
    assert status.stage is UpgradeStage.COMMITTED


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("not json", "not JSON"),
        ('{"version": "1", "services": {}}', "either its services' images or the stack's image"),
        ('{"version": "1", "services": {"toaster": {"image": "a:1"}}}', "unknown services toaster"),
        ('{"version": "1", "services": {"io": {"image": "A B"}}}', "services.io.image"),
        # Docker's tags are ASCII: a word character of another script is no tag.
        ('{"version": "1", "services": {"io": {"image": "actkit:1.1-é"}}}', "services.io.image"),
        ('{"version": "1", "services": {"io": {"image": "a", "digest": "md5:1"}}}', "digest"),
    ],
)
def test_bad_manifests_are_refused_with_the_reason(text: str, says: str) -> None:
    with pytest.raises(Invalid, match=says):
        read_release(text)


def test_a_digest_pins_the_image_reference() -> None:
    assert ServiceImage(image="reg.example:5000/actkit:1.1", digest=DIGEST).reference == (
        f"reg.example:5000/actkit@{DIGEST}"
    )
    assert ServiceImage(image="actkit:1.1").reference == "actkit:1.1"


async def test_only_ed25519_public_keys_are_accepted(fake_bus: FakeBus, deps: Deps) -> None:
    with pytest.raises(Invalid, match="PEM public keys"):
        await fake_bus.request(SetUpgradeSettings(settings=UpgradeSettings(public_keys=["x"])))


async def test_a_second_upgrade_waits_for_the_first(
    fake_bus: FakeBus, deps: Deps, trusting: bytes
) -> None:
    await fake_bus.request(StartUpgrade(bundle=sign(manifest(), trusting)))
    with pytest.raises(Conflict, match="in progress"):
        await fake_bus.request(StartUpgrade(bundle=sign(manifest("1.2.0"), trusting)))
    assert deps.upgrades.task is not None
    await deps.upgrades.task
    with pytest.raises(Conflict, match="installed already"):
        await fake_bus.request(StartUpgrade(bundle=sign(manifest(), trusting)))


async def test_what_is_installed_survives_a_restart_and_a_restore(
    fake_bus: FakeBus,
    start: Callable[[], AbstractAsyncContextManager[Deps]],
    keys: tuple[bytes, str],
) -> None:
    async with start() as deps:
        await fake_bus.request(SetUpgradeSettings(settings=UpgradeSettings(allow_unsigned=True)))
        await upgrade(fake_bus, deps, UpgradeBundle(manifest=manifest()))
        await fake_bus.request(RestoreSettings(service="system", scope="restore"))  # type: ignore[arg-type]
        assert deps.upgrades.settings == UpgradeSettings()
    async with start():
        status = await fake_bus.request(GetUpgradeStatus())
        assert (status.version, status.previous_version) == ("1.1.0", "1.0.0")


def test_the_example_manifest_is_valid() -> None:
    example = Path(__file__).parents[4] / "deploy/rollout/manifest.example.json"
    assert read_release(example.read_text()).version == "1.1.0"
