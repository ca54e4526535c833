"""The one-click cloud connection: actkit's own link to its fleet's HQ (network.o3c.*).

The settings say where HQ is and with what the device proves itself (its nkey seed, a client
certificate and HQ's CA from the certificate store); the device's serial is its vehicle id. When
the device is to be linked (:func:`~actkit_network.domain.o3c.not_linked_because`), the leaf
remote, JetStream domain and HQ's command mappings are written into nats-server's configuration
and nats-server reloads it: the services stay connected (the first link, a new domain, restarts
it once; the services reconnect by themselves).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from actkit_core import certificate_uses
from actkit_core.fleetlink import LeafLink, LeafProxy, write_link
from actkit_core.natsconf import reload_server
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

log = logging.getLogger(__name__)
O3C_USER = "o3c"
"""How the cloud connection is named in a certificate's ``used_by`` (accounts writes its files)."""
CONNECTING = SetLed(colour=LedColour.GREEN, pattern=LedPattern.FLASH, count=3)
"""The manual: press and release the button, then the status LED flashes green three times."""
CANNOT_CONNECT = SetLed(colour=LedColour.RED, pattern=LedPattern.FLASH, count=3)


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
    await apply_o3c(deps)
    return settings.hide_secrets(merged)


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
    status = await apply_o3c(deps)
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


async def apply_o3c(deps: Deps) -> O3cStatus:
    """Write the link (or its absence) into nats-server's configuration and reload it."""
    status = await o3c_status(deps)
    deps.o3c_changed.set()
    if deps.cloud is None:
        return status
    link = None
    if status.is_linked and status.vehicle_id is not None:
        link = _link(await deps.store.load(O3cSettings), status.vehicle_id, deps)
    cloud = deps.cloud
    must_restart = await asyncio.to_thread(write_link, cloud.conf_dir, link)
    if not await asyncio.to_thread(reload_server, cloud.ports_dir, restart=must_restart):
        log.warning("no nats-server runs from %s: the link applies when it starts", cloud.ports_dir)
    return status


async def keep_o3c(deps: Deps, retry_s: float = 2.0) -> None:
    """Run for good: end an unclaimed One-click link at its deadline, make HQ's streams.

    The streams are made once linked, again after nats-server restarted for a new domain.
    """
    prepared_for: str | None = None
    while True:
        deps.o3c_changed.clear()
        status = await o3c_status(deps)
        wait_s: float | None = None
        deadline = status.claim_deadline
        if status.is_linked and deadline is not None:
            wait_s = max((deadline - deps.clock.now()).total_seconds(), 0.0) + 0.1
        elif deadline is not None and deadline <= deps.clock.now():
            await _end_claim_window(deps)
            continue
        if status.is_linked and status.vehicle_id != prepared_for and deps.cloud is not None:
            try:
                await deps.cloud.prepare_streams(str(status.vehicle_id))
                prepared_for = status.vehicle_id
            except Exception as exc:  # the server restarting, JetStream not ready yet
                log.info("the streams for HQ are not made yet (%s); again in %s s", exc, retry_s)
                wait_s = retry_s if wait_s is None else min(wait_s, retry_s)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(deps.o3c_changed.wait(), wait_s)


async def _end_claim_window(deps: Deps) -> None:
    claim = await deps.store.load(O3cClaim)
    await deps.store.save(claim.model_copy(update={"claim_deadline": None}))
    log.warning("HQ did not claim the device within 24 hours: the cloud connection ends")
    await apply_o3c(deps)
