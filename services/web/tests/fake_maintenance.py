"""A stand-in for the system service's logs, plain config and maintenance on a FakeBus."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from actkit_core.params import ParameterSpec, list_parameters, set_parameters
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.base import Ack, Role
from actkit_proto.errors import Conflict, Invalid, NotFound
from actkit_proto.params import ParameterList, ParameterType, ParameterValue, SetParameters
from actkit_proto.system import (
    AccessEntry,
    AccessLog,
    AddSyslogServer,
    ConfirmUpgrade,
    FactoryDefault,
    GetCrashReport,
    GetIdentity,
    GetNetworkTraceChunk,
    GetServerReport,
    GetServerReportArchive,
    GetUpgradeSettings,
    GetUpgradeStatus,
    Identity,
    ListAccessLog,
    ListPlainConfig,
    ListSyslogServers,
    ListSystemLog,
    LogEntry,
    MaintenanceAction,
    MaintenanceResult,
    NetworkTraceChunk,
    NetworkTraceProgressed,
    NetworkTraceStage,
    NetworkTraceStatus,
    RemoveSyslogServer,
    ReportArchive,
    Restart,
    Restore,
    RollbackUpgrade,
    ServerReport,
    SetPlainConfig,
    Severity,
    StartNetworkTrace,
    StartUpgrade,
    SyslogServer,
    SyslogServerEntry,
    SyslogServerList,
    SyslogTestResult,
    SystemLog,
    TestSyslogServer,
    UpgradeProgressed,
    UpgradeSettings,
    UpgradeStage,
    UpgradeStatus,
)

from .serving import serve_methods

AT = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SPECS = (
    ParameterSpec("Time", "TimeZone", ParameterType.STRING, "UTC"),
    ParameterSpec("Power", "DelayMin", ParameterType.INTEGER, 5, minimum=1, maximum=60),
    ParameterSpec(
        "IOPort.I1", "Name", ParameterType.STRING, "Input 1", required_role=Role.OPERATOR
    ),
    ParameterSpec("Brand", "ProdNbr", ParameterType.STRING, is_writable=False),
)
PCAP = b"\xd4\xc3\xb2\xa1" + bytes(range(256)) * 3


@dataclass
class Parameters:
    """Plain config values in memory, checked by the same rules the owners use."""

    stored: dict[str, ParameterValue | None] = field(
        default_factory=lambda: (
            {spec.key: spec.default for spec in SPECS} | {"Brand.ProdNbr": "AXIS W401"}
        )
    )

    @property
    def specs(self) -> Sequence[ParameterSpec]:
        return SPECS

    async def values(self) -> Mapping[str, ParameterValue | None]:
        return self.stored

    async def apply(self, changes: Mapping[str, ParameterValue]) -> None:
        self.stored.update(changes)


@dataclass
class FakeSystem:
    """Three log lines, one failed login, one syslog server, a recorded pcap of two chunks,
    upgrades that stop at verifying; checks roles as the system bus does."""

    parameters: Parameters = field(default_factory=Parameters)
    servers: dict[int, SyslogServerEntry] = field(
        default_factory=lambda: {
            1: SyslogServerEntry(server_id=1, server=SyslogServer(host="logs.example"))
        }
    )
    actions: list[MaintenanceAction] = field(default_factory=list)
    upgrade: UpgradeStatus = field(
        default_factory=lambda: UpgradeStatus(version="1.0.0", previous_version="0.9.0")
    )
    trace: NetworkTraceStatus = field(
        default_factory=lambda: NetworkTraceStatus(
            stage=NetworkTraceStage.READY,
            duration_s=10,
            percent=100,
            file_name="trace.pcap",
            size_bytes=len(PCAP),
        )
    )
    log_queries: list[ListSystemLog] = field(default_factory=list)
    tested: list[SyslogServer] = field(default_factory=list)
    bus: FakeBus | None = None

    async def install(self, bus: FakeBus) -> None:
        self.bus = bus
        await serve_methods(
            bus,
            {
                ListSystemLog: self.list_system_log,
                ListAccessLog: self.list_access_log,
                ListSyslogServers: self.list_servers,
                AddSyslogServer: self.add_server,
                RemoveSyslogServer: self.remove_server,
                TestSyslogServer: self.test_server,
                ListPlainConfig: self.list_config,
                SetPlainConfig: self.set_config,
                Restart: self.restart,
                Restore: self.restore,
                FactoryDefault: self.factory_default,
                GetUpgradeStatus: self.get_upgrade,
                GetUpgradeSettings: self.get_upgrade_settings,
                StartUpgrade: self.start_upgrade,
                ConfirmUpgrade: self.confirm_upgrade,
                RollbackUpgrade: self.rollback_upgrade,
                GetServerReport: self.server_report,
                GetServerReportArchive: self.server_report_archive,
                GetCrashReport: self.crash_report,
                GetIdentity: self.identity,
                StartNetworkTrace: self.start_trace,
                GetNetworkTraceChunk: self.trace_chunk,
            },
        )

    async def list_system_log(self, command: ListSystemLog) -> SystemLog:
        self.log_queries.append(command)
        lines = [
            LogEntry(
                entry_id=number,
                at=AT,
                severity=severity,
                service=service,
                logger=f"actkit_{service}",
                message=message,
            )
            for number, (severity, service, message) in enumerate(
                [
                    (Severity.INFO, "system", "device started"),
                    (Severity.WARNING, "io", "port 3 circuit cut"),
                    (Severity.ERROR, "mqtt", "broker refused the connection"),
                ],
                start=1,
            )
        ]
        wanted = [
            line
            for line in lines
            if line.severity.code <= command.min_severity.code
            and (not command.services or line.service in command.services)
            and (command.text is None or command.text.lower() in line.message.lower())
        ]
        return SystemLog(entries=wanted[::-1][: command.limit], total=len(wanted))

    async def list_access_log(self, _command: ListAccessLog) -> AccessLog:
        entry = AccessEntry(
            entry_id=1,
            at=AT,
            client_address="192.0.2.7",
            name="mallory",
            method="GET",
            page="/status",
            reason="wrong password",
        )
        return AccessLog(entries=[entry], total=1)

    async def list_servers(self, _command: ListSyslogServers) -> SyslogServerList:
        return SyslogServerList(servers=list(self.servers.values()))

    async def add_server(self, command: AddSyslogServer) -> SyslogServerEntry:
        if " " in command.server.host:
            raise Invalid(f"host: {command.server.host!r} is neither an IP address nor a host name")
        server_id = max(self.servers, default=0) + 1
        self.servers[server_id] = SyslogServerEntry(server_id=server_id, server=command.server)
        return self.servers[server_id]

    async def test_server(self, command: TestSyslogServer) -> SyslogTestResult:
        """Port 9 refuses; any other port takes the line."""
        server = command.server
        if " " in server.host:
            raise Invalid(f"host: {server.host!r} is neither an IP address nor a host name")
        self.tested.append(server)
        where = f"{server.host}:{server.port or server.protocol.default_port}"
        if server.port == 9:
            return SyslogTestResult(
                is_ok=False, answer=f"Not sent: {where} refused the connection; check the port."
            )
        return SyslogTestResult(is_ok=True, answer=f"Connected to {where} (TCP), wrote it.")

    async def remove_server(self, command: RemoveSyslogServer) -> Ack:
        if self.servers.pop(command.server_id, None) is None:
            raise NotFound(f"no remote syslog server {command.server_id}")
        return Ack()

    async def list_config(self, command: ListPlainConfig) -> ParameterList:
        everything = await list_parameters("system", self.parameters)
        prefix = command.group
        return ParameterList(
            parameters=[
                p
                for p in everything.parameters
                if prefix is None or p.group == prefix or p.group.startswith(prefix + ".")
            ]
        )

    async def set_config(self, command: SetPlainConfig) -> ParameterList:
        return await set_parameters(
            SetParameters(service="system", values=command.values, actor=command.actor),
            self.parameters,
        )

    async def _maintain(self, action: MaintenanceAction) -> MaintenanceResult:
        self.actions.append(action)
        return MaintenanceResult(action=action, restored=["io", "system"])

    async def restart(self, _command: Restart) -> MaintenanceResult:
        return await self._maintain(MaintenanceAction.RESTART)

    async def restore(self, _command: Restore) -> MaintenanceResult:
        return await self._maintain(MaintenanceAction.RESTORE)

    async def factory_default(self, _command: FactoryDefault) -> MaintenanceResult:
        return await self._maintain(MaintenanceAction.FACTORY_DEFAULT)

    async def get_upgrade(self, _command: GetUpgradeStatus) -> UpgradeStatus:
        return self.upgrade

    async def start_upgrade(self, command: StartUpgrade) -> UpgradeStatus:
        if command.bundle.signature is None:
            raise Invalid("the bundle is not signed; unsigned bundles are not allowed")
        self.upgrade = self.upgrade.model_copy(
            update={
                "stage": UpgradeStage.VERIFYING,
                "mode": command.mode,
                "target_version": "2.0.0",
                "message": "signature verified",
            }
        )
        assert self.bus is not None
        await self.bus.publish(UpgradeProgressed(status=self.upgrade))
        return self.upgrade

    async def get_upgrade_settings(self, _command: GetUpgradeSettings) -> UpgradeSettings:
        return UpgradeSettings()

    async def confirm_upgrade(self, _command: ConfirmUpgrade) -> UpgradeStatus:
        self.upgrade = self.upgrade.model_copy(update={"stage": UpgradeStage.COMMITTED})
        return self.upgrade

    async def rollback_upgrade(self, _command: RollbackUpgrade) -> UpgradeStatus:
        if self.upgrade.previous_version is None:
            raise Conflict("there is no previous version to roll back to")
        self.upgrade = self.upgrade.model_copy(
            update={"stage": UpgradeStage.ROLLING_BACK, "previous_version": None}
        )
        return self.upgrade

    async def identity(self, _command: GetIdentity) -> Identity:
        return Identity(
            model="AXIS W401",
            product_name="AXIS W401 Body Worn Activation Kit",
            serial_number="ACCC8E012345",
            mac_address="AC:CC:8E:01:23:45",
            software_version=self.upgrade.version,
            build="test",
        )

    async def server_report(self, _command: GetServerReport) -> ServerReport:
        return ServerReport(text="AXIS W401 server report\nSerial: ACCC8E012345\n")

    async def server_report_archive(self, _command: GetServerReportArchive) -> ReportArchive:
        return _archive("ACCC8E012345_server_report.zip", b"PK\x05\x06" + bytes(18))

    async def crash_report(self, _command: GetCrashReport) -> ReportArchive:
        return _archive("ACCC8E012345_crash_report.zip", b"PK\x05\x06" + bytes(18))

    async def start_trace(self, command: StartNetworkTrace) -> NetworkTraceStatus:
        self.trace = NetworkTraceStatus(
            stage=NetworkTraceStage.RECORDING,
            duration_s=command.duration_s,
            file_name="trace.pcap",
        )
        assert self.bus is not None
        await self.bus.publish(NetworkTraceProgressed(status=self.trace))
        return self.trace

    async def finish_trace(self) -> None:
        """The recording ends: the trace is ready."""
        self.trace = self.trace.model_copy(
            update={"stage": NetworkTraceStage.READY, "percent": 100, "size_bytes": len(PCAP)}
        )
        assert self.bus is not None
        await self.bus.publish(NetworkTraceProgressed(status=self.trace))

    async def trace_chunk(self, command: GetNetworkTraceChunk) -> NetworkTraceChunk:
        if self.trace.stage is not NetworkTraceStage.READY:
            raise NotFound("no network trace is ready; start one and wait until it is recorded")
        piece = PCAP[command.offset : command.offset + 500]
        return NetworkTraceChunk(
            file_name="trace.pcap",
            offset=command.offset,
            size_bytes=len(PCAP),
            content_base64=base64.b64encode(piece).decode(),
            is_last=command.offset + len(piece) >= len(PCAP),
        )


def _archive(name: str, content: bytes) -> ReportArchive:
    return ReportArchive(file_name=name, content_base64=base64.b64encode(content).decode())
