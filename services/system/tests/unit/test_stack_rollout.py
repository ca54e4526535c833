"""The forked layout's rollout: one image for the stack's one container ``actkit``."""

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Invalid
from actkit_proto.service import GetServiceStatus, ServiceStatus
from actkit_proto.services import SERVICE_NAMES
from actkit_system.adapters.sim import SimEngine
from actkit_system.domain.rollout import Handover, RolloutRecord, read_release
from actkit_system.handlers.rollout.containers import Unhealthy, updater_spec
from actkit_system.handlers.rollout.updater import replace_system

from .rollouts import DIGEST


def stack_manifest(version: str = "1.1.0") -> str:
    return json.dumps({"version": version, "stack": {"image": "actkit:1.1.0", "digest": DIGEST}})


@pytest.fixture
def stack(engine: SimEngine) -> SimEngine:
    """The sim engine with the forked layout's one container instead of one per service."""
    system = engine.containers["actkit-system"]
    engine.containers.clear()
    engine.containers["actkit"] = replace(system, name="actkit", container_id="actkit-1")
    return engine


def test_a_stack_release_is_handed_to_the_updater_for_the_actkit_container() -> None:
    release = read_release(stack_manifest())
    assert (release.replaces_system, release.system_container, release.order()) == (
        True,
        "actkit",
        [],
    )
    handover = Handover(release=release, replaced=[], record=RolloutRecord(), mode=None)
    assert handover.system_image == f"actkit@{DIGEST}"


@pytest.mark.parametrize(
    "body",
    [
        {"version": "1.1.0"},
        {
            "version": "1.1.0",
            "stack": {"image": "actkit:1.1.0"},
            "services": {"io": {"image": "actkit:1.1.0"}},
        },
    ],
)
def test_a_release_names_either_its_services_or_the_stack(body: dict[str, object]) -> None:
    with pytest.raises(Invalid, match="either its services' images or the stack's image"):
        read_release(json.dumps(body))


def test_the_updater_of_the_stack_is_told_which_container_it_replaces() -> None:
    spec = updater_spec({"Cmd": ["actkit", "run"], "HostConfig": {}}, "actkit:2", "actkit")
    assert spec["Cmd"] == ["actkit-system-update", "--container", "actkit", "--image", "actkit:2"]


async def test_the_new_stack_is_healthy_once_every_service_answers(
    fake_bus: FakeBus, stack: SimEngine
) -> None:
    asked: list[str] = []

    async def answer(command: GetServiceStatus) -> ServiceStatus:
        asked.append(command.service)
        return ServiceStatus(
            service=command.service,
            version="1.1.0",
            started_at=datetime(2026, 1, 1, tzinfo=UTC),
            metrics_port=9301,
            handled=0,
            failed=0,
        )

    fake_bus.answer(GetServiceStatus, answer)
    await replace_system(stack, fake_bus, "actkit:1.1.0", 1, 0, container="actkit")
    assert sorted(set(asked)) == sorted(SERVICE_NAMES)
    assert stack.containers["actkit"].image == "actkit:1.1.0"
    assert stack.containers["actkit-previous"].container_id == "actkit-1"


async def test_a_new_stack_that_never_turns_healthy_gives_way_to_the_exact_previous_one(
    fake_bus: FakeBus, stack: SimEngine
) -> None:
    stack.unhealthy_images.add("actkit:1.1.0")
    with pytest.raises(Unhealthy, match="actkit is unhealthy"):
        await replace_system(stack, fake_bus, "actkit:1.1.0", 1, 0, container="actkit")
    assert list(stack.containers) == ["actkit"]
    assert (stack.containers["actkit"].container_id, stack.containers["actkit"].is_running) == (
        "actkit-1",
        True,
    )
