"""Composition root of the network service: builds its dependencies and serves its handlers."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from actkit_core import lifecycle
from actkit_core.clock import Clock, SystemClock
from actkit_core.fleetagent import QueuedCommandAgent, integrator_connection
from actkit_core.fleetstreams import prepare_vehicle
from actkit_core.lifecycle import Runtime, report_each, serve_service
from actkit_core.natsconf import FLEET_SERVER_FILE
from actkit_core.tasks import stop_task
from actkit_network.adapters.sim import (
    SimAnnouncer,
    SimDnsUpdater,
    SimFirewall,
    SimLldp,
    SimNetwork,
    SimResponder,
    SimSnmpAgent,
)
from actkit_network.domain.nftables import render_ruleset
from actkit_network.domain.snmp import Trap
from actkit_network.handlers import HANDLERS
from actkit_network.handlers.announce import (
    apply_services,
    ask_identity,
    learn_identity,
    register_dns_name,
    report_authentication_failure,
    report_network_event,
    send_trap,
)
from actkit_network.handlers.deps import CloudLink, Deps, Device, Discovery
from actkit_network.handlers.firewall import revert_expired_test
from actkit_network.handlers.http import announce_http
from actkit_network.handlers.o3c import apply_o3c, keep_o3c
from actkit_network.ports import DiscoveryResponderPort
from actkit_network.settings import NetworkSettings
from actkit_network.store import SettingsStore
from actkit_proto import Unavailable

log = logging.getLogger(__name__)

MIGRATIONS = "actkit_network:migrations"


@contextlib.asynccontextmanager
async def build_deps(
    settings: NetworkSettings, runtime: Runtime, clock: Clock | None = None
) -> AsyncIterator[Deps]:
    assert runtime.sessions is not None
    clock = clock or SystemClock()
    store = SettingsStore(runtime.sessions)
    device = Device(
        settings.device_name,
        interface=settings.wired_interface,
        address=settings.discovery_address,
    )
    async with contextlib.AsyncExitStack() as stack:
        if settings.adapter == "networkmanager":
            from actkit_network.adapters.ddns import Rfc2136Updater
            from actkit_network.adapters.lldpd import LldpdConfigurator
            from actkit_network.adapters.networkmanager import NetworkManager
            from actkit_network.adapters.nftables import NftFirewall
            from actkit_network.adapters.snmp import PysnmpAgent
            from actkit_network.adapters.upnp import SsdpResponder
            from actkit_network.adapters.wsdiscovery import WsDiscoveryResponder
            from actkit_network.adapters.zeroconf import ZeroconfAnnouncer

            network = await stack.enter_async_context(
                NetworkManager.connect(
                    settings.wired_interface, settings.dbus_address, str(settings.certificate_path)
                )
            )
            snmp = PysnmpAgent(port=settings.snmp_port, sys_descr=settings.device_name)
            stack.callback(snmp.close)
            announcer = ZeroconfAnnouncer(settings.bonjour_interfaces)
            stack.push_async_callback(announcer.close)
            upnp = SsdpResponder(settings.ssdp_group, settings.ssdp_port, settings.upnp_http_port)
            stack.push_async_callback(upnp.close)
            ws_discovery = WsDiscoveryResponder(
                settings.ws_discovery_group, settings.ws_discovery_port
            )
            stack.push_async_callback(ws_discovery.close)
            lldp = LldpdConfigurator(Path(settings.lldpd_config), settings.lldpcli_command)
            deps = Deps(
                store,
                runtime.bus,
                network,
                NftFirewall(tuple(settings.nft_command)),
                snmp,
                announcer,
                Discovery(upnp, ws_discovery, lldp),
                device,
                Rfc2136Updater(settings.ddns_port),
                clock=clock,
            )
        else:
            sim = SimNetwork()
            ws_discovery_sim: DiscoveryResponderPort = SimResponder()
            if settings.is_sim_ws_discovery_real:
                from actkit_network.adapters.wsdiscovery import WsDiscoveryResponder

                ws_discovery_sim = WsDiscoveryResponder(
                    settings.ws_discovery_group, settings.ws_discovery_port
                )
                stack.push_async_callback(ws_discovery_sim.close)
            deps = Deps(
                store,
                runtime.bus,
                sim,
                SimFirewall(),
                SimSnmpAgent(),
                SimAnnouncer(),
                Discovery(SimResponder(), ws_discovery_sim, SimLldp()),
                device,
                SimDnsUpdater(),
                simulator=sim,
                clock=clock,
            )
        deps = dataclasses.replace(deps, cloud=_cloud_link(settings, runtime))
        await _restore_firewall(deps)
        await ask_identity(deps)
        await apply_o3c(deps)
        try:
            await apply_services(deps)
        except Unavailable as exc:
            # The service still answers, so that the settings that cannot apply can be changed.
            log.error("the network services did not all start: %s", exc.message)
        await register_dns_name(deps)
        await announce_http(deps)
        await send_trap(deps, Trap.COLD_START)
        tasks = [
            asyncio.create_task(report_each(deps.network.events(), report_network_event, deps)),
            asyncio.create_task(
                report_each(
                    deps.snmp.authentication_failures(), report_authentication_failure, deps
                )
            ),
            asyncio.create_task(_revert_firewall_tests(deps)),
            asyncio.create_task(keep_o3c(deps)),
            asyncio.create_task(
                learn_identity(deps, settings.identity_retry_min_s, settings.identity_retry_max_s)
            ),
        ]
        try:
            yield deps
        finally:
            for task in tasks:
                await stop_task(task)
            if deps.cloud is not None and deps.cloud.agent is not None:
                await deps.cloud.agent.stop()


def _cloud_link(settings: NetworkSettings, runtime: Runtime) -> CloudLink | None:
    """Where the link to HQ is written; None where no nats-server configuration includes it."""
    conf_dir = settings.fleet_conf_dir or settings.data_dir
    if not (conf_dir / FLEET_SERVER_FILE).exists():
        # actkit run makes the include files before nats-server starts; without them nothing
        # would read the link (and a test's data folder stays untouched).
        log.info(
            "no %s in %s: the cloud connection is kept, not written", FLEET_SERVER_FILE, conf_dir
        )
        return None

    async def prepare_streams(vehicle_id: str) -> None:
        await prepare_vehicle(runtime.bus.client, vehicle_id)

    agent = None
    if settings.integrator_password is not None:
        password = settings.integrator_password.get_secret_value()
        connect = integrator_connection(settings.nats_url, password)
        agent = QueuedCommandAgent(runtime.bus.client, connect)
    else:
        log.warning("no integrator password: HQ's queued commands are not run on this device")
    return CloudLink(
        conf_dir=conf_dir,
        ports_dir=settings.nats_ports_dir or settings.data_dir / "nats" / "ports",
        certificate_dir=settings.certificate_path,
        prepare_streams=prepare_streams,
        agent=agent,
    )


async def _restore_firewall(deps: Deps) -> None:
    # A test that ran out while the service was stopped reverts now, before anything is served.
    await revert_expired_test(deps)
    state = await deps.store.load_firewall()
    await deps.firewall.load(
        render_ruleset(state.is_active, state.default_policy, state.active_rules)
    )


async def _revert_firewall_tests(deps: Deps) -> None:
    while True:
        deps.firewall_changed.clear()
        try:
            deadline = await revert_expired_test(deps)
        except Exception:
            log.exception("could not revert the firewall test; retrying in a second")
            deadline = deps.clock.now().timestamp() + 1
        wait_s = None if deadline is None else max(deadline - deps.clock.now().timestamp(), 0.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(deps.firewall_changed.wait(), wait_s)


async def serve(settings: NetworkSettings, ready: asyncio.Event | None = None) -> None:
    await serve_service(
        settings,
        handlers=HANDLERS,
        build_deps=build_deps,
        migrations=MIGRATIONS,
        adapter=settings.adapter,
        ready=ready,
    )


def run() -> None:
    lifecycle.run(serve(NetworkSettings()))
