"""Composition root of the system service: builds its dependencies and serves its handlers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from urllib.parse import urlsplit

from actkit_core import lifecycle
from actkit_core.bus import Bus
from actkit_core.lifecycle import Runtime, serve_service
from actkit_core.natsconf import APPS_USERS_FILE
from actkit_core.tasks import stop_task
from actkit_proto.accounts import GetCertificate
from actkit_proto.io import IgnitionChanged
from actkit_proto.services import SERVICE_NAMES
from actkit_proto.system import (
    AccessEntry,
    AppsSettings,
    Location,
    LogEntry,
    LogRecorded,
    PowerSettings,
    Severity,
    SyslogDeliveryFailed,
    TimeSettings,
    UpgradeSettings,
)
from actkit_system.adapters.bus_relay import BusRelay, NoRelay
from actkit_system.adapters.nats_reload import ContainerReload, NoReload, ProcessReload
from actkit_system.adapters.sim import SimDhcpTimeZone, SimEngine, SimPower, SimTimeKeeper
from actkit_system.adapters.syslog import SyslogForwarder
from actkit_system.adapters.tcpdump import TcpdumpCapture
from actkit_system.domain.app_licences import AppLicences
from actkit_system.domain.apps import InstalledApps
from actkit_system.domain.identity import identity
from actkit_system.domain.logs import Journal
from actkit_system.domain.power import DelayedShutdown
from actkit_system.domain.rollout import RolloutRecord
from actkit_system.handlers import HANDLERS, Apps, Current, Deps, Trace, Upgrades
from actkit_system.handlers.apps import restore_apps
from actkit_system.handlers.device import (
    advance_power,
    announce_time_zone,
    follow_dhcp_time_zone,
    follow_ignition,
    publish_countdown,
)
from actkit_system.handlers.logs import flush_logs, note, record_log
from actkit_system.handlers.upgrade import advance_upgrade, resume_upgrade
from actkit_system.metrics import SYSLOG_FAILURES
from actkit_system.ports import (
    AppEngine,
    AppsBusRelay,
    BusServer,
    DhcpTimeZone,
    PacketCapture,
    PowerControl,
    TimeKeeper,
)
from actkit_system.settings import SystemSettings
from actkit_system.store import SystemStore

log = logging.getLogger(__name__)

MIGRATIONS = "actkit_system:migrations"
POWER_TICK_S = 1.0


def _engine(settings: SystemSettings) -> AppEngine:
    if settings.engine == "docker":
        from actkit_system.adapters.engine import DockerEngine

        return DockerEngine(settings.docker_url, settings.docker_socket or None)
    return SimEngine(SERVICE_NAMES, image=f"actkit:{settings.software_version}")


def _bus_server(settings: SystemSettings, engine: AppEngine) -> BusServer:
    if settings.apps_nats_reload == "container":
        return ContainerReload(engine, settings.apps_nats_container)
    if settings.apps_nats_reload == "process":
        return ProcessReload(settings.apps_nats_ports_dir or settings.data_dir / "nats" / "ports")
    return NoReload()


def _apps_relay(settings: SystemSettings) -> AppsBusRelay:
    if settings.engine == "docker" and settings.apps_nats_url is None:
        bus = urlsplit(settings.nats_url)
        return BusRelay(bus.hostname or "127.0.0.1", bus.port or 4222)
    return NoRelay()


def _built_in_keys(settings: SystemSettings) -> tuple[str, ...]:
    path = settings.upgrade_public_key_file
    if path is None:
        return ()
    text = path.read_text()
    marker = "-----END PUBLIC KEY-----"
    return tuple(part.strip() + "\n" + marker for part in text.split(marker) if part.strip())


def _adapters(settings: SystemSettings) -> tuple[str, TimeKeeper, PowerControl, DhcpTimeZone]:
    """The MAC address and the hardware's adapters, as ``settings.adapter`` says."""
    if settings.adapter == "board":
        from actkit_system.adapters.board import ChronyTimeKeeper, HostPower, first_wired_mac
        from actkit_system.adapters.host_zone import HostZone, LocaltimeZone, TimedatedZone
        from actkit_system.adapters.networkmanager import NetworkManagerDhcpTimeZone

        host_zone: HostZone = (
            TimedatedZone(settings.dbus_address or None)
            if settings.host_time_zone == "timedated"
            else LocaltimeZone(settings.localtime_path, settings.zoneinfo_dir)
        )
        return (
            first_wired_mac(settings.net_class_dir),
            ChronyTimeKeeper(
                settings.chrony_config_path, settings.chrony_dhcp_sources_dir, host_zone
            ),
            HostPower(settings.shutdown_command, settings.restart_command),
            NetworkManagerDhcpTimeZone(settings.dbus_address or None),
        )
    return (
        settings.sim_mac_address,
        SimTimeKeeper(),
        SimPower(),
        SimDhcpTimeZone(settings.sim_dhcp_time_zone),
    )


@contextlib.asynccontextmanager
async def build_deps(
    settings: SystemSettings,
    runtime: Runtime,
    time_keeper: TimeKeeper | None = None,
    power: PowerControl | None = None,
    engine: AppEngine | None = None,
    capture: PacketCapture | None = None,
    dhcp: DhcpTimeZone | None = None,
) -> AsyncIterator[Deps]:
    assert runtime.sessions is not None
    store = SystemStore(runtime.sessions)
    mac_address, default_time, default_power, default_dhcp = _adapters(settings)
    engine = engine or _engine(settings)
    clock = time_keeper or default_time
    bus = runtime.bus
    failures: set[asyncio.Task[None]] = set()

    def report_failure(server_id: int, reason: str) -> None:
        SYSLOG_FAILURES.labels(str(server_id)).inc()
        task = asyncio.create_task(
            bus.publish(SyslogDeliveryFailed(server_id=server_id, reason=reason))
        )
        failures.add(task)
        task.add_done_callback(failures.discard)

    async def store_ca(cert_id: str) -> str:
        return (await bus.request(GetCertificate(cert_id=cert_id))).certificate_pem

    syslog = SyslogForwarder(report_failure, store_ca)
    power_settings = await store.load(PowerSettings)
    current = Current(
        time=await store.load(TimeSettings),
        location=await store.load(Location),
        power=power_settings,
        syslog_servers=await store.syslog_servers(),
        hostname=socket.gethostname(),
    )
    dhcp = dhcp or default_dhcp
    current.dhcp_time_zone = await dhcp.offered()
    now = clock.now()
    system_log: Journal[LogEntry] = Journal(settings.system_log_capacity)
    system_log.load(await store.recent_log(settings.system_log_capacity))
    access_log: Journal[AccessEntry] = Journal(settings.access_log_capacity)
    access_log.load(await store.recent_access(settings.access_log_capacity))
    deps = Deps(
        bus=bus,
        store=store,
        time=clock,
        power=power or default_power,
        syslog=syslog,
        identity=identity(mac_address, settings.software_version, settings.build),
        current=current,
        shutdown=DelayedShutdown(
            power_settings, now + timedelta(seconds=settings.shutdown_start_delay_s)
        ),
        system_log=system_log,
        access_log=access_log,
        upgrades=Upgrades(
            engine=engine,
            record=await store.load(RolloutRecord),
            settings=await store.load(UpgradeSettings),
            base_version=settings.software_version,
            built_in_keys=_built_in_keys(settings),
            health_timeout_s=settings.upgrade_health_timeout_s,
            health_poll_s=settings.upgrade_health_poll_s,
        ),
        trace=Trace(
            folder=settings.data_dir / "system-trace",
            capture=capture or TcpdumpCapture(settings.tcpdump),
        ),
        dhcp=dhcp,
        apps=Apps(
            engine=engine,
            installed=await store.load(InstalledApps),
            settings=await store.load(AppsSettings),
            uploads=settings.data_dir / "app-uploads",
            network=settings.apps_network,
            nats_url=settings.apps_nats_url,
            nats_port=urlsplit(settings.nats_url).port or 4222,
            relay=_apps_relay(settings),
            upload_max_bytes=settings.apps_upload_max_mb * 2**20,
            nats=_bus_server(settings, engine),
            users_file=settings.apps_users_file or settings.data_dir / APPS_USERS_FILE,
            licences=await store.load(AppLicences),
            update_settle_s=settings.apps_update_settle_s,
            update_timeout_s=settings.apps_update_timeout_s,
        ),
    )
    await clock.apply(current.time, current.time_zone())
    await syslog.configure(current.syslog_servers, current.hostname, current.time_zone())
    await announce_time_zone(deps)
    ignition = await bus.current(IgnitionChanged)
    if ignition:
        await follow_ignition(ignition[0], deps)
    await publish_countdown(deps, deps.shutdown.view(now))
    note(deps, Severity.NOTICE, f"{deps.identity.model} started, version "
         f"{deps.identity.software_version}")  # fmt: skip
    if isinstance(bus, Bus):
        for service in deps.services:
            await bus.subscribe(LogRecorded, _handler(record_log, deps), service=service)
    timers = [
        asyncio.create_task(_every(POWER_TICK_S, advance_power, deps)),
        asyncio.create_task(_every(POWER_TICK_S, advance_upgrade, deps)),
        asyncio.create_task(_every(settings.log_flush_interval_s, flush_logs, deps)),
        asyncio.create_task(_every(settings.dhcp_poll_s, follow_dhcp_time_zone, deps)),
    ]
    await resume_upgrade(deps)
    await restore_apps(deps)
    try:
        yield deps
    finally:
        for timer in timers:
            await stop_task(timer)
        for task in (deps.upgrades.task, deps.trace.task, deps.apps.nats_restart):
            if task is not None:
                task.cancel()
        await deps.upgrades.engine.close()
        await deps.apps.relay.close()
        await flush_logs(deps)
        await syslog.close()
        await dhcp.close()


def _handler(
    handle: Callable[[LogRecorded, Deps], Awaitable[None]], deps: Deps
) -> Callable[[LogRecorded], Awaitable[None]]:
    async def receive(event: LogRecorded) -> None:
        await handle(event, deps)

    return receive


async def _every(interval_s: float, work: Callable[[Deps], Awaitable[None]], deps: Deps) -> None:
    while True:
        await asyncio.sleep(interval_s)
        try:
            await work(deps)
        except Exception:
            # A failed round must not stop the timer: the next one catches up.
            log.exception("%s failed", work.__name__)


async def serve(settings: SystemSettings, ready: asyncio.Event | None = None) -> None:
    await serve_service(
        settings,
        handlers=HANDLERS,
        build_deps=build_deps,
        migrations=MIGRATIONS,
        adapter=settings.adapter,
        ready=ready,
    )


def run() -> None:
    from actkit_system.adapters.board import NoWiredInterface

    try:
        lifecycle.run(serve(SystemSettings()))
    except NoWiredInterface as exc:
        sys.exit(f"system: cannot start: {exc}")
