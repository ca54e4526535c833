"""The rollout engine: replace each service's container, health-gate it, roll back on failure.

Each service's container ``actkit-<service>`` is replaced in turn: pull the new image, stop the
old container and keep it aside as ``actkit-<service>-previous``, create the new one with the
old one's spec, start it and wait until it is healthy (the engine's health check, and the
service answering on the bus). A service that does not become healthy puts every replaced
service back as it was. The system service goes last: it hands its own replacement to the
updater container (:mod:`~actkit_system.handlers.rollout.updater`) and the system service that
runs afterwards ends the rollout (:func:`finish_handover`).

In the forked layout a release names one image, the stack's: the container ``actkit`` runs every
service (``actkit run``), the system one too, so the whole release is that hand-over.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from functools import partial

from actkit_proto import BusError, Invalid
from actkit_proto.service import GetServiceStatus
from actkit_proto.system import (
    FactoryDefault,
    StartUpgrade,
    UpgradeMode,
    UpgradeProgressed,
    UpgradeStage,
)
from actkit_system.domain.rollout import (
    STACK_CONTAINER,
    Handover,
    Release,
    RolloutRecord,
    ServiceImage,
    keeps_previous,
)
from actkit_system.handlers.deps import Deps
from actkit_system.handlers.maintenance import factory_default
from actkit_system.handlers.rollout.containers import (
    UPDATER,
    Stuck,
    Unhealthy,
    put_back,
    replace_container,
    updater_spec,
    wait_healthy,
)
from actkit_system.metrics import ROLLOUTS
from actkit_system.ports import ContainerEngine, EngineError

log = logging.getLogger(__name__)

STEPS_PER_SERVICE = 3


class RolledBack(Exception):
    """The rollout failed; every replaced service was put back as it was."""


async def run_upgrade(deps: Deps, release: Release, command: StartUpgrade) -> None:
    upgrades = deps.upgrades
    try:
        before, replaced = await _deploy(deps, release)
        previous = before
        record = RolloutRecord(
            current=release, previous=previous if keeps_previous(command.mode) else None
        )
        if release.replaces_system:
            handover = Handover(
                release=release,
                replaced=replaced,
                record=record,
                mode=command.mode,
                confirm_within_s=command.confirm_within_s,
            )
            await _hand_over(deps, handover)
            return
    except RolledBack as exc:
        await report_progress(
            deps, UpgradeStage.ROLLED_BACK, 100, None, f"{exc}; still on {upgrades.version()}"
        )
        return
    except Stuck as exc:
        await report_progress(deps, UpgradeStage.FAILED, 100, None, str(exc))
        return
    await _commit(deps, record, command.mode, command.confirm_within_s)


async def _commit(deps: Deps, record: RolloutRecord, mode: UpgradeMode, confirm_s: int) -> None:
    assert record.current is not None
    version = record.current.version
    if mode is UpgradeMode.AUTOROLLBACK:
        record.pending_confirmation = deps.time.now() + timedelta(seconds=confirm_s)
        await save_record(deps, record)
        await report_progress(
            deps, UpgradeStage.AWAITING_CONFIRMATION, 100, None,
            f"running {version}; confirm before {record.pending_confirmation:%H:%M:%S} UTC",
        )  # fmt: skip
        return
    await save_record(deps, record)
    await report_progress(deps, UpgradeStage.COMMITTED, 100, None, f"running {version}")
    if mode is UpgradeMode.FACTORY_DEFAULT:
        await factory_default(FactoryDefault(), deps)


async def run_rollback(deps: Deps, reason: str) -> None:
    upgrades = deps.upgrades
    previous = upgrades.record.previous
    assert previous is not None
    await report_progress(deps, UpgradeStage.ROLLING_BACK, 0, None, reason)
    record = RolloutRecord(current=previous)
    try:
        _before, replaced = await _deploy(deps, previous, stage=UpgradeStage.ROLLING_BACK)
        if previous.replaces_system:
            handover = Handover(
                release=previous, replaced=replaced, record=record, mode=None, reason=reason
            )
            await _hand_over(deps, handover)
            return
    except (RolledBack, Stuck) as exc:
        await report_progress(deps, UpgradeStage.FAILED, 100, None, f"rollback failed: {exc}")
        return
    await _rolled_back(deps, record, reason)


async def _rolled_back(deps: Deps, record: RolloutRecord, reason: str) -> None:
    assert record.current is not None
    await save_record(deps, record)
    await report_progress(
        deps, UpgradeStage.ROLLED_BACK, 100, None, f"{reason}; back on {record.current.version}"
    )


async def _deploy(
    deps: Deps, release: Release, stage: UpgradeStage | None = None
) -> tuple[Release, list[str]]:
    """Replace each service's container but system's; undo them all if one fails.

    Returns what ran before (system included) and the services replaced. When the release
    has a system image, the replaced services keep their ``-previous`` containers: the
    rollout is not over until the new system service runs.
    """
    engine = deps.upgrades.engine
    if release.stack is not None:
        return await _stack_before(deps), []
    order = release.order()
    total = len(order) * STEPS_PER_SERVICE
    before: dict[str, ServiceImage] = {}
    replaced: list[str] = []
    for index, service in enumerate(order):
        name = f"actkit-{service}"
        done = index * STEPS_PER_SERVICE
        try:
            current = await engine.inspect(name)
            if current is None:
                raise EngineError(f"there is no container {name} to upgrade")
            try:
                before[service] = ServiceImage.running(current.image)
            except Invalid as exc:
                raise EngineError(f"{name}: {exc}") from None
            if service == "system":
                break
            reference = release.services[service].reference
            percent = done * 100 // total
            await report_progress(deps, stage or UpgradeStage.PULLING, percent, service, "pulling")
            await engine.pull(reference)
            percent = (done + 1) * 100 // total
            await report_progress(
                deps, stage or UpgradeStage.REPLACING, percent, service, "replacing"
            )
            replaced.append(service)
            await replace_container(engine, name, reference)
            percent = (done + 2) * 100 // total
            await report_progress(
                deps, stage or UpgradeStage.HEALTH_CHECKING, percent, service, "health check"
            )
            answers = partial(_answers, deps, service)
            await wait_healthy(engine, name, answers, *_health_limits(deps))
        except (EngineError, Unhealthy) as exc:
            await _undo(deps, release, service, exc, replaced)
    if "system" not in release.services:
        for service in replaced:
            await engine.remove(f"actkit-{service}-previous")
    # What a rollback returns to: exactly what ran of each service this release replaces.
    installed = deps.upgrades.record.current
    build = installed.build if installed else ""
    was = Release(version=deps.upgrades.version(), build=build, services=before)
    return was, replaced


async def _stack_before(deps: Deps) -> Release:
    """What runs in the forked layout's one container: what a rollback returns to.

    Raises:
        RolledBack: there is no such container, or its image cannot be returned to.
    """
    current = await deps.upgrades.engine.inspect(STACK_CONTAINER)
    try:
        if current is None:
            raise EngineError(f"there is no container {STACK_CONTAINER} to upgrade")
        stack = ServiceImage.running(current.image)
    except (EngineError, Invalid) as exc:
        raise RolledBack(f"{STACK_CONTAINER}: {exc}") from None
    installed = deps.upgrades.record.current
    build = installed.build if installed else ""
    return Release(version=deps.upgrades.version(), build=build, stack=stack)


async def _undo(
    deps: Deps, release: Release, service: str, exc: Exception, replaced: list[str]
) -> None:
    """Put every replaced service back, then raise :class:`RolledBack`."""
    log.warning("rollout of %s failed at %s: %s", release.version, service, exc)
    await report_progress(deps, UpgradeStage.ROLLING_BACK, 0, service, f"{service}: {exc}")
    await _put_back_all(deps.upgrades.engine, replaced)
    raise RolledBack(f"{service}: {exc}") from exc


async def _put_back_all(engine: ContainerEngine, services: list[str]) -> None:
    for service in reversed(services):
        await put_back(engine, f"actkit-{service}")


def _health_limits(deps: Deps) -> tuple[float, float]:
    return deps.upgrades.health_timeout_s, deps.upgrades.health_poll_s


async def _hand_over(deps: Deps, handover: Handover) -> None:
    """Start the updater from the new system image; it replaces this service's container."""
    engine = deps.upgrades.engine
    image = handover.system_image
    container = handover.release.system_container
    steps = len(handover.release.order()) or 1
    percent = (steps - 1) * 100 // steps
    rolling_back = handover.mode is None
    try:
        system = await engine.inspect(container)
        if system is None:
            raise EngineError(f"there is no container {container} to upgrade")
        stage = UpgradeStage.ROLLING_BACK if rolling_back else UpgradeStage.PULLING
        await report_progress(deps, stage, percent, "system", "pulling")
        await engine.pull(image)
        await engine.remove(UPDATER)
        # The container, not its image, tells the old service from the new: a release may
        # reuse a tag (``actkit-system:latest``) for a new image.
        handover = handover.model_copy(update={"system_id": system.container_id})
        await save_record(deps, deps.upgrades.record.model_copy(update={"handover": handover}))
        stage = UpgradeStage.ROLLING_BACK if rolling_back else UpgradeStage.REPLACING
        await report_progress(deps, stage, percent, "system", f"handing over to {UPDATER}")
        await engine.create(UPDATER, image, updater_spec(system.spec, image, container))
        await engine.start(UPDATER)
    except EngineError as exc:
        await save_record(deps, deps.upgrades.record.model_copy(update={"handover": None}))
        with contextlib.suppress(EngineError):
            await engine.remove(UPDATER)
        await _undo(deps, handover.release, "system", exc, handover.replaced)
    log.info("%s replaces the system service with %s", UPDATER, image)
    # The updater stops this service before the new one starts. Should it fail before
    # that, this one is still here to end the rollout.
    await finish_handover(deps, handover)


async def finish_handover(deps: Deps, handover: Handover) -> None:
    """End a rollout handed to the updater, as the system service that runs afterwards."""
    engine = deps.upgrades.engine
    container = handover.release.system_container
    try:
        code = await engine.wait(UPDATER)
        running = await engine.inspect(container)
        await engine.remove(UPDATER)
        is_new = running is not None and running.container_id != handover.system_id
        succeeded = is_new and code in (0, None)
        if succeeded:
            for name in [*(f"actkit-{service}" for service in handover.replaced), container]:
                await engine.remove(f"{name}-previous")
        else:
            await _put_back_all(engine, handover.replaced)
    except (EngineError, Stuck) as exc:
        await save_record(deps, deps.upgrades.record.model_copy(update={"handover": None}))
        await report_progress(deps, UpgradeStage.FAILED, 100, "system", f"system: {exc}")
        return
    if succeeded:
        if handover.mode is None:
            await _rolled_back(deps, handover.record, handover.reason)
        else:
            await _commit(deps, handover.record, handover.mode, handover.confirm_within_s)
        return
    # A failed rollback is not retried by itself at the deadline: it would fail again.
    unchanged = {"handover": None, "pending_confirmation": None}
    await save_record(deps, deps.upgrades.record.model_copy(update=unchanged))
    failure = (
        f"{container}: the new stack did not become healthy"
        if handover.release.stack is not None
        else "system: the new system service did not become healthy"
    )
    if handover.mode is None:
        await report_progress(deps, UpgradeStage.FAILED, 100, None, f"rollback failed: {failure}")
    else:
        still = deps.upgrades.version()
        await report_progress(
            deps, UpgradeStage.ROLLED_BACK, 100, None, f"{failure}; still on {still}"
        )


async def _answers(deps: Deps, service: str) -> bool:
    if not deps.upgrades.is_checking_bus:
        return True
    try:
        await deps.bus.request(GetServiceStatus(service=service), timeout_s=1.0)
    except BusError:
        return False
    return True


async def save_record(deps: Deps, record: RolloutRecord) -> None:
    await deps.store.save(record)
    deps.upgrades.record = record


async def report_progress(
    deps: Deps, stage: UpgradeStage, percent: int, service: str | None, message: str
) -> None:
    upgrades = deps.upgrades
    if stage in (UpgradeStage.COMMITTED, UpgradeStage.ROLLED_BACK, UpgradeStage.FAILED):
        ROLLOUTS.labels(stage.value).inc()
    upgrades.stage, upgrades.percent, upgrades.service, upgrades.message = (
        stage,
        percent,
        service,
        message,
    )
    await deps.bus.publish(UpgradeProgressed(status=upgrades.status()))
