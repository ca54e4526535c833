"""The system service's handler table; each concern's handlers live in their own module."""

from __future__ import annotations

from actkit_core.bus import Handlers
from actkit_core.params import parameter_handlers
from actkit_proto.accounts import AccessFailed
from actkit_proto.io import IgnitionChanged, ResetRequested
from actkit_proto.params import RestoreSettings
from actkit_proto.system import (
    AddSyslogServer,
    ConfirmUpgrade,
    FactoryDefault,
    GetCrashReport,
    GetIdentity,
    GetLocation,
    GetNetworkTraceChunk,
    GetPowerSettings,
    GetServerReport,
    GetServerReportArchive,
    GetTimeSettings,
    GetTimeStatus,
    GetUpgradeSettings,
    GetUpgradeStatus,
    ListAccessLog,
    ListPlainConfig,
    ListSyslogServers,
    ListSystemLog,
    RemoveSyslogServer,
    Restart,
    Restore,
    RollbackUpgrade,
    SetDateTime,
    SetLocation,
    SetPlainConfig,
    SetPowerSettings,
    SetTimeSettings,
    SetUpgradeSettings,
    StartNetworkTrace,
    StartUpgrade,
    TestSyslogServer,
)
from actkit_system.handlers import config, device, logs, maintenance, report, trace, upgrade
from actkit_system.handlers.deps import Current, Deps, Trace, Upgrades

__all__ = ["HANDLERS", "Current", "Deps", "Trace", "Upgrades"]

HANDLERS: Handlers[Deps] = {
    GetIdentity: device.get_identity,
    GetTimeSettings: device.get_time_settings,
    SetTimeSettings: device.set_time_settings,
    GetTimeStatus: device.get_time_status,
    SetDateTime: device.set_date_time,
    GetLocation: device.get_location,
    SetLocation: device.set_location,
    GetPowerSettings: device.get_power_settings,
    SetPowerSettings: device.set_power_settings,
    IgnitionChanged: device.follow_ignition,
    ListSystemLog: logs.list_system_log,
    ListAccessLog: logs.list_access_log,
    AccessFailed: logs.record_access,
    ListSyslogServers: logs.list_syslog_servers,
    AddSyslogServer: logs.add_syslog_server,
    RemoveSyslogServer: logs.remove_syslog_server,
    TestSyslogServer: logs.send_syslog_test,
    ListPlainConfig: config.list_plain_config,
    SetPlainConfig: config.set_plain_config,
    **parameter_handlers(config.system_parameters),
    Restart: maintenance.restart,
    Restore: maintenance.restore,
    FactoryDefault: maintenance.factory_default,
    RestoreSettings: maintenance.restore_settings,
    ResetRequested: maintenance.factory_default_from_button,
    GetUpgradeStatus: upgrade.get_upgrade_status,
    GetUpgradeSettings: upgrade.get_upgrade_settings,
    SetUpgradeSettings: upgrade.set_upgrade_settings,
    StartUpgrade: upgrade.start_upgrade,
    ConfirmUpgrade: upgrade.confirm_upgrade,
    RollbackUpgrade: upgrade.rollback_upgrade,
    GetServerReport: report.get_server_report,
    GetServerReportArchive: report.get_server_report_archive,
    GetCrashReport: report.get_crash_report,
    StartNetworkTrace: trace.start_network_trace,
    GetNetworkTraceChunk: trace.get_network_trace_chunk,
}
