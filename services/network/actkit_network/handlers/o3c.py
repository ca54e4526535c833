"""The one-click cloud connection: actkit's own link to its fleet's HQ (network.o3c.*).

The settings say where HQ is and with what the device proves itself (its nkey seed, a client
certificate and HQ's CA from the certificate store); the device's serial is its vehicle id. When
the device is to be linked (:func:`~actkit_network.domain.o3c.not_linked_because`), the leaf
remote, JetStream domain and HQ's command mappings are written into nats-server's configuration
and nats-server reloads it: the services stay connected (the first link, a new domain, restarts
it once, by its supervisor under ``actkit run``, through the system service's engine on the
board; the services reconnect by themselves).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from pathlib import Path

from actkit_core import certificate_uses
from actkit_core.fleetlink import LeafLink, LeafProxy, write_link
from actkit_core.natsconf import FLEET_ACCOUNT_FILE, FLEET_SERVER_FILE, reload_server
from actkit_network.domain import o3c, settings
from actkit_network.handlers.deps import Deps
from actkit_network.store import O3cClaim
from actkit_proto.base import Ack
from actkit_proto.errors import BusError, Forbidden, Invalid
from actkit_proto.io import ButtonPressed, LedColour, LedPattern, SetLed
from actkit_proto.network import (
    CLAIM_WINDOW_S,
    ClaimO3c,
    GetO3c,
    GetO3cStatus,
    O3cMode,
    O3cSettings,
    O3cStatus,
    SetO3c,
)
from actkit_proto.system import ReloadBusServer

log = logging.getLogger(__name__)
O3C_USER = "o3c"
"""How the cloud connection is named in a certificate's ``used_by`` (accounts writes its files)."""
CONNECTING = SetLed(colour=LedColour.GREEN, pattern=LedPattern.FLASH, count=3)
"""The manual: press and release the button, then the status LED flashes green three times."""
CANNOT_CONNECT = SetLed(colour=LedColour.RED, pattern=LedPattern.FLASH, count=3)
RESTART_PAUSE_S = 0.5


def _certificates(stored: O3cSettings) -> set[str]:
    return {c for c in (stored.client_certificate, stored.ca_certificate) if c is not None}


async def get_o3c(_command: GetO3c, deps: Deps) -> O3cSettings:
    return settings.hide_secrets(await deps.store.load(O3cSettings))


async def set_o3c(command: SetO3c, deps: Deps) -> O3cSettings:
    stored = await deps.store.load(O3cSettings)
    merged = settings.keep_secrets(command.settings, stored)
    async with certificate_uses.certificates_in_use(
        deps.bus, O3C_USER, _certificates(stored), _certificates(merged), command.actor
    ) as marked:
        client = marked.get(merged.client_certificate or "")
        if client is not None and not client.has_private_key:
            raise Invalid(
                f"client_certificate: the device has no private key for {client.cert_id!r}; "
                "choose a client certificate made or imported with its key"
            )
        await deps.store.save(merged)
    deps.o3c_changed.set()  # applied by keep_o3c, once this answer has left
    return settings.hide_secrets(merged)


async def release_o3c_certificates(before: O3cSettings, deps: Deps) -> None:
    """After a restore: release the certificates ``before`` used that the settings no longer do."""
    now = await deps.store.load(O3cSettings)
    gone = _certificates(before) - _certificates(now)
    await certificate_uses.release_certificates(deps.bus, O3C_USER, sorted(gone), None)


async def _claim(deps: Deps) -> O3cClaim:
    claim = await deps.store.load(O3cClaim)
    if not claim.owner_key:
        claim = claim.model_copy(update={"owner_key": o3c.new_owner_key()})
        await deps.store.save(claim)
    return claim


async def o3c_status(deps: Deps) -> O3cStatus:
    """The cloud connection's state now, the owner authentication key with it."""
    stored = settings.hide_secrets(await deps.store.load(O3cSettings))
    claim = await _claim(deps)
    reason = o3c.not_linked_because(
        stored,
        deps.device.serial_number,
        claim.is_claimed,
        claim.claim_deadline,
        deps.clock.now(),
    )
    deadline = claim.claim_deadline if not claim.is_claimed else None
    return O3cStatus(
        vehicle_id=deps.device.serial_number,
        is_linked=reason is None,
        is_claimed=claim.is_claimed,
        claim_deadline=deadline if stored.mode is O3cMode.ONE_CLICK else None,
        owner_authentication_key=claim.owner_key,
        reason=reason,
    )


async def get_o3c_status(_command: GetO3cStatus, deps: Deps) -> O3cStatus:
    return await o3c_status(deps)


async def claim_o3c(command: ClaimO3c, deps: Deps) -> Ack:
    claim = await _claim(deps)
    if not o3c.is_owner_key(command.owner_authentication_key, claim.owner_key):
        raise Forbidden("that is not this device's owner authentication key; nothing changed")
    await deps.store.save(claim.model_copy(update={"is_claimed": True, "claim_deadline": None}))
    deps.o3c_changed.set()
    log.info("HQ claimed the device: the cloud connection stays")
    return Ack()


async def connect_o3c(_event: ButtonPressed, deps: Deps) -> None:
    """One-click: the control button links the device to HQ for 24 hours, HQ to claim it."""
    stored = await deps.store.load(O3cSettings)
    claim = await _claim(deps)
    if stored.mode is not O3cMode.ONE_CLICK or claim.is_claimed:
        return
    deadline = deps.clock.now() + timedelta(seconds=CLAIM_WINDOW_S)
    await deps.store.save(claim.model_copy(update={"claim_deadline": deadline}))
    deps.o3c_changed.set()
    status = await o3c_status(deps)
    with contextlib.suppress(BusError):
        await deps.bus.request(CONNECTING if status.is_linked else CANNOT_CONNECT)
    if not status.is_linked:
        log.warning("the control button cannot connect to HQ: %s", status.reason)


def _link(stored: O3cSettings, vehicle_id: str, deps: Deps) -> LeafLink:
    assert deps.cloud is not None and stored.nkey_seed is not None
    folder = deps.cloud.certificate_dir
    tls: dict[str, str] = {}
    if stored.client_certificate is not None and stored.ca_certificate is not None:
        tls = {
            "ca_file": str(folder / f"{stored.ca_certificate}.pem"),
            "cert_file": str(folder / f"{stored.client_certificate}.pem"),
            "key_file": str(folder / f"{stored.client_certificate}.key"),
        }
    proxy = None
    if stored.proxy_host is not None:
        proxy = LeafProxy(
            f"http://{stored.proxy_host}:{stored.proxy_port}",
            stored.proxy_login,
            stored.proxy_password,
        )
    return LeafLink(vehicle_id, stored.hq_urls, stored.nkey_seed, proxy=proxy, **tls)


def _written(folder: Path) -> list[str]:
    files = (folder / FLEET_SERVER_FILE, folder / FLEET_ACCOUNT_FILE)
    return [path.read_text() if path.exists() else "" for path in files]


async def apply_o3c(deps: Deps) -> O3cStatus:
    """Write the link (or its absence) into nats-server's configuration; reload it if changed."""
    status = await o3c_status(deps)
    if deps.cloud is None:
        return status
    link = None
    if status.is_linked and status.vehicle_id is not None:
        link = _link(await deps.store.load(O3cSettings), status.vehicle_id, deps)
    cloud = deps.cloud
    before = await asyncio.to_thread(_written, cloud.conf_dir)
    if link is None and not any(text.strip() for text in before):
        # Empty files (as actkit run makes them) hold no link: nothing for nats-server to
        # forget, and a reload while every service starts would only disturb them.
        return status
    must_restart = await asyncio.to_thread(write_link, cloud.conf_dir, link)
    if await asyncio.to_thread(_written, cloud.conf_dir) == before:
        return status
    if must_restart:
        # A new name or domain: nats-server restarts (its supervisor or the engine starts it
        # again). The answer to the change that asked for it leaves first.
        await asyncio.sleep(RESTART_PAUSE_S)
    if await asyncio.to_thread(reload_server, cloud.ports_dir, restart=must_restart):
        return status
    # nats-server is not a process of this host (the board: a container of its own): the
    # system service, which drives the engine, signals or restarts it.
    try:
        await deps.bus.request(ReloadBusServer(restart=must_restart))
    except BusError as exc:
        done = "restarted" if must_restart else "reloaded"
        log.warning(
            "nats-server was not %s for the link (%s): it applies when it starts", done, exc
        )
    return status


async def end_unclaimed_o3c(deps: Deps) -> float | None:
    """End a One-click link HQ did not claim in time; seconds until that deadline, if any."""
    claim = await deps.store.load(O3cClaim)
    deadline = None if claim.is_claimed else claim.claim_deadline
    if deadline is None:
        return None
    left_s = (deadline - deps.clock.now()).total_seconds()
    if left_s > 0:
        return left_s
    # The deadline stays: the status says why the link ended, until the button is pressed again.
    log.warning("HQ did not claim the device within 24 hours: the cloud connection ends")
    return None


async def _run_agent(deps: Deps, is_on: bool) -> None:
    """The agent runs HQ's queued commands while the device is linked and its streams made."""
    agent = deps.cloud.agent if deps.cloud is not None else None
    if agent is None:
        return
    if is_on:
        agent.start()
    elif agent.is_running:
        await agent.stop()


async def keep_o3c(deps: Deps, retry_s: float = 2.0) -> None:
    """Run for good: end an unclaimed One-click link at its deadline, make HQ's streams.

    The streams are made once linked, again after nats-server restarted for a new domain; the
    agent of HQ's queued commands runs while linked.
    """
    prepared_for: str | None = None
    while True:
        deps.o3c_changed.clear()
        wait_s = await end_unclaimed_o3c(deps)
        status = await apply_o3c(deps)
        if status.is_linked and status.vehicle_id != prepared_for and deps.cloud is not None:
            try:
                await deps.cloud.prepare_streams(str(status.vehicle_id))
                prepared_for = status.vehicle_id
            except Exception as exc:  # the server restarting, JetStream not ready yet
                log.info("the streams for HQ are not made yet (%s); again in %s s", exc, retry_s)
                wait_s = retry_s if wait_s is None else min(wait_s, retry_s)
        await _run_agent(deps, is_on=status.is_linked and prepared_for == status.vehicle_id)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(deps.o3c_changed.wait(), wait_s)
